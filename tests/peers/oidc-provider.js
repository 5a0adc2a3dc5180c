#!/usr/bin/env node
// A real OpenID Provider for the integration tests: the npm package oidc-provider (v8) on
// 127.0.0.1, port 0 unless --port is given. Prints the bound port as the first line of stdout;
// SIGTERM stops it.
//
//   node oidc-provider.js [--port N]
//
// The issuer is http://127.0.0.1:PORT, known only once listening, and the clients' redirect
// URI is secud's callback, known only once secud listens; so the provider itself is built by
// the first POST /__test/setup and answers 503 until then:
//
//   POST /__test/setup {"redirect_uri": "...", "client_secret": "...",
//                       "email_in_id_token": false}
//
// Clients (both: code flow, PKCE S256 required):
//   secu-es   public client (token_endpoint_auth_method none), ID tokens signed ES256
//   secu-rs   confidential (client_secret_basic), ID tokens signed RS256
//   secu-post confidential (client_secret_post), ID tokens signed RS256
// Accounts: the development login form (devInteractions) takes any login name. The account's
// email is the login itself when it holds an '@', else login@example.com; its email_verified is
// false when the login starts with "unverified", else true. By default (conformIdTokenClaims)
// the email is served by userinfo only; "email_in_id_token": true puts it in the ID token.
//
// Test switches, for ID tokens a well-behaved provider never issues: the next token response
// has its ID token rewritten (and signed again with the provider's own key, so only the named
// defect is wrong):
//
//   POST /__test/next-id-token {"mode": "bad_nonce" | "expired" | "wrong_aud" |
//                               "unknown_key" | "alg_none" | "hs256" | "rotated_key"}
//
// unknown_key signs with a fresh ES256 key whose kid the JWKS does not publish. rotated_key is
// a key rotation, which is no defect: from the switch on, the JWKS also publishes a new ES256
// key (kid es-2), and the next ID token is signed with it.
"use strict";

const http = require("http");
const crypto = require("crypto");

const args = process.argv.slice(2);
const portArg = args.indexOf("--port");
const listenPort = portArg >= 0 ? Number(args[portArg + 1]) : 0;

// Signing keys, made fresh at every start.
function makeKey(kind, kid) {
  const { privateKey } =
    kind === "ES256"
      ? crypto.generateKeyPairSync("ec", { namedCurve: "P-256" })
      : crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = privateKey.export({ format: "jwk" });
  return { kid, alg: kind, privateKey, jwk: { ...jwk, kid, alg: kind, use: "sig" } };
}
const esKey = makeKey("ES256", "es-1");
const rsKey = makeKey("RS256", "rs-1");
const rogueKey = makeKey("ES256", "rogue-1"); // never published
const rotatedKey = makeKey("ES256", "es-2"); // published once rotated_key is switched on
let rotated = false;

function publicJwk(key) {
  const { d, p, q, dp, dq, qi, ...pub } = key.jwk; // eslint-disable-line no-unused-vars
  return pub;
}

const b64u = (buf) => Buffer.from(buf).toString("base64url");

function signJwt(header, payload, key) {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  const sig =
    key.alg === "ES256"
      ? crypto.sign("sha256", Buffer.from(input), { key: key.privateKey, dsaEncoding: "ieee-p1363" })
      : crypto.sign("sha256", Buffer.from(input), key.privateKey);
  return `${input}.${b64u(sig)}`;
}

let nextMode = null;
let clientSecret = "secu-test-client-secret";

function tamper(idToken, mode) {
  const [h, p] = idToken.split(".");
  const header = JSON.parse(Buffer.from(h, "base64url"));
  const payload = JSON.parse(Buffer.from(p, "base64url"));
  const own = header.alg === "ES256" ? esKey : rsKey;
  const now = Math.floor(Date.now() / 1000);
  switch (mode) {
    case "bad_nonce":
      payload.nonce = "not-the-nonce-of-this-sign-in";
      return signJwt(header, payload, own);
    case "expired":
      payload.iat = now - 7200;
      payload.exp = now - 3600;
      return signJwt(header, payload, own);
    case "wrong_aud":
      payload.aud = "some-other-client";
      return signJwt(header, payload, own);
    case "rotated_key":
      return signJwt({ alg: "ES256", typ: "JWT", kid: rotatedKey.kid }, payload, rotatedKey);
    case "unknown_key":
      return signJwt({ alg: "ES256", typ: "JWT", kid: rogueKey.kid }, payload, rogueKey);
    case "alg_none":
      return `${b64u(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64u(JSON.stringify(payload))}.`;
    case "hs256": {
      const hh = { alg: "HS256", typ: "JWT", kid: own.kid };
      const input = `${b64u(JSON.stringify(hh))}.${b64u(JSON.stringify(payload))}`;
      const mac = crypto.createHmac("sha256", clientSecret).update(input).digest();
      return `${input}.${b64u(mac)}`;
    }
    default:
      return idToken;
  }
}

function accountClaims(login) {
  const email = login.includes("@") ? login : `${login}@example.com`;
  return { sub: login, email, email_verified: !login.startsWith("unverified") };
}

let provider = null;
let providerHandler = null;

async function setup(body, issuer) {
  const { default: Provider } = await import("oidc-provider");
  clientSecret = body.client_secret || clientSecret;
  const common = {
    redirect_uris: [body.redirect_uri],
    response_types: ["code"],
    grant_types: ["authorization_code"],
  };
  provider = new Provider(issuer, {
    clients: [
      {
        ...common,
        client_id: "secu-es",
        token_endpoint_auth_method: "none",
        id_token_signed_response_alg: "ES256",
      },
      {
        ...common,
        client_id: "secu-rs",
        client_secret: clientSecret,
        token_endpoint_auth_method: "client_secret_basic",
        id_token_signed_response_alg: "RS256",
      },
      {
        ...common,
        client_id: "secu-post",
        client_secret: clientSecret,
        token_endpoint_auth_method: "client_secret_post",
        id_token_signed_response_alg: "RS256",
      },
    ],
    jwks: { keys: [esKey.jwk, rsKey.jwk] },
    pkce: { methods: ["S256"], required: () => true },
    features: { devInteractions: { enabled: true } },
    claims: { openid: ["sub"], email: ["email", "email_verified"] },
    conformIdTokenClaims: !body.email_in_id_token,
    cookies: { keys: [crypto.randomBytes(32).toString("hex")] },
    findAccount: async (ctx, sub) => ({
      accountId: sub,
      claims: async () => accountClaims(sub),
    }),
  });
  // The test switch: rewrite the ID token of the next token response.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === "/jwks" && rotated && ctx.body && Array.isArray(ctx.body.keys)) {
      ctx.body = { keys: [...ctx.body.keys, publicJwk(rotatedKey)] };
    }
    if (ctx.path === "/token" && nextMode && ctx.body && ctx.body.id_token) {
      const mode = nextMode;
      nextMode = null;
      ctx.body = { ...ctx.body, id_token: tamper(ctx.body.id_token, mode) };
    }
  });
  providerHandler = provider.callback();
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      try {
        resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {});
      } catch (e) {
        reject(e);
      }
    });
  });
}

function reply(res, status, obj) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(obj));
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.url === "/__test/setup" && req.method === "POST") {
      if (provider) return reply(res, 409, { error: "already set up" });
      const body = await readJson(req);
      if (!body.redirect_uri) return reply(res, 400, { error: "redirect_uri is required" });
      await setup(body, `http://127.0.0.1:${server.address().port}`);
      return reply(res, 200, { issuer: `http://127.0.0.1:${server.address().port}` });
    }
    if (req.url === "/__test/next-id-token" && req.method === "POST") {
      const body = await readJson(req);
      nextMode = body.mode || null;
      if (nextMode === "rotated_key") rotated = true;
      return reply(res, 200, { mode: nextMode });
    }
    if (!providerHandler) return reply(res, 503, { error: "not set up (POST /__test/setup)" });
    return providerHandler(req, res);
  } catch (err) {
    process.stderr.write(`oidc-provider peer: ${err.stack || err}\n`);
    if (!res.headersSent) reply(res, 500, { error: String(err.message || err) });
  }
});

server.listen(listenPort, "127.0.0.1", () => {
  process.stdout.write(`${server.address().port}\n`);
});

function shutdown() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
