#!/usr/bin/env node
// A real SMTP server for the integration tests: listens on 127.0.0.1 (port 0 unless --port is
// given), prints the bound port as the first line of stdout, accepts any AUTH, and saves every
// message it receives as one JSON file in the directory given as the first argument:
//   { "seq", "from", "to": [...], "auth": {"username","password"} | null,
//     "subject", "text", "headers": {...}, "raw" }
// Files are written to a temporary name and renamed, so a reader never sees half a message.
//
//   node smtp-sink.js /tmp/mails [--port 2525] [--require-auth]
//
// STARTTLS is switched off: the peer has no certificate a client should trust, and libcurl's
// opportunistic STARTTLS would (rightly) refuse a self-signed one.
"use strict";

const fs = require("fs");
const path = require("path");
const { SMTPServer } = require("smtp-server");
const { simpleParser } = require("mailparser");

const args = process.argv.slice(2);
const dir = args[0];
if (!dir) {
  process.stderr.write("usage: smtp-sink.js DIR [--port N] [--require-auth]\n");
  process.exit(2);
}
const portArg = args.indexOf("--port");
const port = portArg >= 0 ? Number(args[portArg + 1]) : 0;
const requireAuth = args.includes("--require-auth");
fs.mkdirSync(dir, { recursive: true });

let seq = 0;

function save(message) {
  seq += 1;
  const name = `msg-${String(seq).padStart(4, "0")}.json`;
  const tmp = path.join(dir, `.${name}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify({ seq, ...message }, null, 2));
  fs.renameSync(tmp, path.join(dir, name));
}

const server = new SMTPServer({
  secure: false,
  disabledCommands: ["STARTTLS"],
  authOptional: !requireAuth,
  allowInsecureAuth: true,
  logger: false,
  onAuth(auth, session, callback) {
    callback(null, { user: { username: auth.username, password: auth.password } });
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on("data", (c) => chunks.push(c));
    stream.on("end", async () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      try {
        const parsed = await simpleParser(raw);
        const headers = {};
        for (const [k, v] of parsed.headers) {
          headers[k] = typeof v === "string" ? v : (v && v.text) || JSON.stringify(v);
        }
        save({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          auth: session.user || null,
          subject: parsed.subject || "",
          text: parsed.text || "",
          headers,
          raw,
        });
        callback();
      } catch (err) {
        callback(err);
      }
    });
  },
});

server.on("error", (err) => process.stderr.write(`smtp-sink: ${err.message}\n`));
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`${server.server.address().port}\n`);
});

function shutdown() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
