#!/usr/bin/env node
// A small x402 facilitator for the integration tests (x402 v1, "exact" scheme), on 127.0.0.1
// (port 0), printing its port as the first line of stdout. Node's http module only: no
// packages.
//
//   POST /verify   {x402Version, paymentPayload, paymentRequirements}
//                  → {isValid, invalidReason?, payer}
//   POST /settle   same body → {success, errorReason?, transaction, network, payer}
//   GET  /requests → every request received so far, oldest first: {path, body}
//
// The payload is checked the way a facilitator checks one: versions, scheme, the network and
// asset of the payload against the requirements, the authorization's `to` = payTo and `value`
// = maxAmountRequired, a validity window around now, a 32-byte nonce settled at most once
// (a second settle of it fails "nonce_used"), a 64-byte signature. Addresses steer failures
// the tests need: payTo starting "0xbad" → verify invalid ("invalid_payee"); "0xfail" →
// settle fails ("insufficient_funds"); "0xslow" → settle succeeds after 3 s.
"use strict";

const http = require("http");
const crypto = require("crypto");

const requests = [];
const settled = new Set();

function check(body) {
  const p = body.paymentPayload || {};
  const r = body.paymentRequirements || {};
  const a = (p.payload || {}).authorization || {};
  const sig = (p.payload || {}).signature || "";
  const now = Math.floor(Date.now() / 1000);
  if (body.x402Version !== 1 || p.x402Version !== 1) return "unsupported_version";
  if (p.scheme !== "exact" || r.scheme !== "exact") return "unsupported_scheme";
  if (!r.network || p.network !== r.network) return "network_mismatch";
  if (!r.asset) return "missing_asset";
  if (!r.payTo || a.to !== r.payTo) return "payee_mismatch";
  if (!/^[0-9]+$/.test(String(a.value)) || a.value !== r.maxAmountRequired) return "amount_mismatch";
  if (!(Number(a.validAfter) <= now && now < Number(a.validBefore))) return "authorization_expired";
  if (!/^0x[0-9a-f]{64}$/.test(a.nonce || "")) return "invalid_nonce";
  if (!/^0x[0-9a-f]{128}$/.test(sig)) return "invalid_signature";
  if (r.payTo.startsWith("0xbad")) return "invalid_payee";
  return "";
}

const server = http.createServer((req, res) => {
  let data = "";
  req.on("data", (c) => (data += c));
  req.on("end", () => {
    const reply = (status, obj) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(obj));
    };
    if (req.method === "GET" && req.url === "/requests") return reply(200, requests);
    if (req.method !== "POST") return reply(405, { error: "method not allowed" });
    let body;
    try {
      body = JSON.parse(data);
    } catch (e) {
      return reply(400, { error: "invalid json" });
    }
    requests.push({ path: req.url, body });
    const payer = (((body.paymentPayload || {}).payload || {}).authorization || {}).from || "";
    const network = (body.paymentRequirements || {}).network || "";
    const problem = check(body);
    if (req.url === "/verify") {
      return reply(200, problem ? { isValid: false, invalidReason: problem, payer }
                                : { isValid: true, payer });
    }
    if (req.url === "/settle") {
      if (problem) return reply(200, { success: false, errorReason: problem, transaction: "", network, payer });
      const nonce = body.paymentPayload.payload.authorization.nonce;
      if (body.paymentRequirements.payTo.startsWith("0xfail")) {
        return reply(200, { success: false, errorReason: "insufficient_funds", transaction: "", network, payer });
      }
      if (settled.has(nonce)) {
        return reply(200, { success: false, errorReason: "nonce_used", transaction: "", network, payer });
      }
      settled.add(nonce);
      const transaction = "0x" + crypto.randomBytes(32).toString("hex");
      const delay = body.paymentRequirements.payTo.startsWith("0xslow") ? 3000 : 0;
      setTimeout(() => reply(200, { success: true, transaction, network, payer }), delay);
      return;
    }
    return reply(404, { error: "not found" });
  });
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(server.address().port + "\n");
});
process.on("SIGTERM", () => process.exit(0));
