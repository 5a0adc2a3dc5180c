#include "server/manpage.hpp"

#include "server/config.hpp"

namespace secu::daemon {

namespace {
std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '-') {
      out += "\\-";
    } else if (c == '\\') {
      out += "\\e";
    } else {
      out.push_back(c);
    }
  }
  return out;
}
}  // namespace

std::string man_page() {
  std::string out;
  out += ".TH SECUD 8 \"\" \"secud\" \"Secu manual\"\n";
  out += ".SH NAME\nsecud \\- the Secu daemon: agent governance control plane and gateway\n";
  out +=
      ".SH SYNOPSIS\n.B secud\n[\\fBserve\\fR] [\\fIoptions\\fR]\n.br\n.B secud routes\n.br\n"
      ".B secud version\n.br\n.B secud verify\\-backup\n\\fIFILE\\fR [\\fB\\-\\-data\\-dir\\fR "
      "\\fIDIR\\fR]\n";
  out += R"(.SH DESCRIPTION
secud serves the Secu HTTP control plane (orgs, users, agents, policies, vendors, keys,
kill\-switch, approvals, audit, billing) and the agent\-facing gateway over an embedded SQLite
database. On first start it creates the data directory (mode 0700) with the database, the
master key, the signing key and the admin token; the plain admin token is written once to
\fIadmin.token\fR (mode 0600) and only its hash is stored.
.PP
.B secud routes
prints the route table: method, path and the least role that may call each route.
.SH OPTIONS
Each option is read, highest precedence first, from the command line, the environment
variable shown, the JSON config file (key shown), then its default.
.TP
.BI \-\-config " FILE"
JSON config file (environment \fBSECU_CONFIG\fR). Unknown keys are refused.
)";
  for (const auto& o : option_specs()) {
    const char* type = o.type == OptionType::kInt    ? "INT"
                       : o.type == OptionType::kBool ? "BOOL"
                                                     : "VALUE";
    out += ".TP\n.BI \\-\\-" + esc(flag_name(o)) + " \" " + type + "\"\n" + esc(o.help) +
           " (environment \\fB" + esc(env_name(o)) + "\\fR, config key \\fB" + esc(o.name) +
           "\\fR)\n";
  }
  out += R"(.SH TLS
With \fB\-\-tls\-cert\fR (a PEM certificate chain, the server's certificate first) and
\fB\-\-tls\-key\fR (its unencrypted PEM private key) secud serves HTTPS, TLS 1.2 or later, on
its one listener: the control plane and the gateway alike. It refuses to start when a file is
missing or unreadable, or the key is not the certificate's. The files are read at start; a
renewed certificate takes a restart. \fBsecuctl\fR verifies the certificate against the
system's CAs, or \fB\-\-ca\-file\fR / \fBSECU_CA_FILE\fR / a context's CA file.
.SH BACKUP AND RESTORE
.B secuctl admin backup \-\-out FILE
(the admin token) writes a consistent snapshot of \fIsecu.db\fR taken while secud serves
(SQLite's online backup API). The snapshot alone cannot be restored: keep \fImaster.key\fR and
\fIsigning.key\fR of the data directory with it (they do not change; back them up once, as
securely as the snapshots). To restore: stop secud, make a fresh data directory (0700), copy
the snapshot into it as \fIsecu.db\fR and the two key files beside it (0600), start secud on
it, and run \fBsecuctl audit verify\fR. Before that,
.B secud verify\-backup FILE \-\-data\-dir DIR
checks a backup offline, on a private copy: it opens as a Secu database and its audit log
(chain, tree, checkpoints) verifies with the \fIsigning.key\fR in \fIDIR\fR, the key files it
is to be restored with; exit 0 when it does, 1 when not. The admin token stays the one of the backed\-up
instance (only its hash is in the database); copy \fIadmin.token\fR too if you keep no other
copy of it.
.SH FILES
.TP
.I <data\-dir>/secu.db
the SQLite database (WAL mode, synchronous=FULL); \fBsecuctl admin backup\fR snapshots it
.TP
.I <data\-dir>/master.key
32\-byte key sealing vendor api keys and keying token hashes (0600; refused when readable by
others); a restore needs it
.TP
.I <data\-dir>/signing.key
Ed25519 seed signing console JWTs and audit checkpoints (0600); a restore needs it
.TP
.I <data\-dir>/admin.token
the platform admin token, written once on first start (0600)
.TP
.I <data\-dir>/backup\-*.db.tmp
a snapshot being made for \fBsecuctl admin backup\fR; removed once sent, and at start
.TP
.I /etc/secu/secud.json
the config file of the packaged service
.SH SIGNALS
.TP
.B SIGTERM, SIGINT
stop accepting, finish in\-flight requests, close the database and exit 0
.TP
.B SIGHUP
reload the config file; a bad file keeps the running config and logs why
.SH ENVIRONMENT
.TP
.B NOTIFY_SOCKET
set by systemd for Type=notify: secud sends READY=1 once serving, RELOADING=1 on SIGHUP and
STOPPING=1 on shutdown
.TP
.B SECU_*
every option above
.SH SEE ALSO
.BR secuctl (1)
)";
  return out;
}

}  // namespace secu::daemon
