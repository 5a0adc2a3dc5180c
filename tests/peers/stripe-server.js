#!/usr/bin/env node
// A Stripe-compatible API server for the integration tests, on 127.0.0.1 (port 0 unless --port
// is given; the bound port is the first line of stdout).
//
// It is stripe-stateful-mock (customers, charges, ..., Bearer sk_test_ auth and Stripe's
// idempotency replay: same key and same parameters → the first answer again with
// Idempotent-Replayed: true; same key, other parameters → 400 idempotency_error) with what that
// package lacks added in Stripe's documented shapes (https://docs.stripe.com/api/invoiceitems,
// /api/invoices, /api/invoices/finalize):
//   POST /v1/invoiceitems            customer, amount, currency, description, period, metadata,
//                                    invoice (a draft to attach to; else the item is pending)
//   GET  /v1/invoiceitems            ?customer=&pending=true|false
//   POST /v1/invoices                customer, collection_method, days_until_due, auto_advance,
//                                    pending_invoice_items_behavior (include | exclude, the
//                                    default since API version 2022-08-01), description, metadata
//   GET  /v1/invoices                ?customer=
//   GET  /v1/invoices/:id
//   POST /v1/invoices/:id/finalize   draft → open (paid when nothing is due)
//   DELETE /v1/customers/:id         (missing from stripe-stateful-mock) {id, object, deleted}
//   POST /v1/payment_intents         amount, currency, confirm, payment_method (pm_…) or
//                                    payment_method_data[shared_payment_granted_token] (spt_…),
//                                    automatic_payment_methods[enabled|allow_redirects],
//                                    return_url, description, metadata. Confirmed with a test
//                                    payment method whose id contains "chargeDeclined" → 402
//                                    card_error card_declined (the PaymentIntent in the error,
//                                    requires_payment_method), "authenticationRequired" →
//                                    requires_action; any other → succeeded.
//   GET  /v1/payment_intents/:id     POST /v1/payment_intents/:id/cancel
// Errors are Stripe's error objects: {"error":{"type","code","message","param"?}}.
//
// Test controls (no auth, outside /v1):
//   GET  /__control/requests  every /v1 request so far: {method, path, authorization,
//                             stripe_version, idempotency_key, content_type, body, replayed}
//   POST /__control/fail      {"method","path","status","error":{…},"times"?}: answer the next
//                             matching request(s) with that Stripe error, doing nothing
//   POST /__control/hold      {"method","path"}: do the next matching request, but hold its
//                             answer until /__control/release (a client gone meanwhile never
//                             gets it: the "crash after Stripe did it" case)
//   GET  /__control/held      {"held": n, "seen": n} (held answers, matching requests seen)
//   POST /__control/release   sends every held answer
//
//   node stripe-server.js [--port N]
"use strict";

const express = require("express");
const bodyParser = require("body-parser");
const { routes, getRequestAccountId } = require("stripe-stateful-mock/dist/routes");
const { auth } = require("stripe-stateful-mock/dist/api/auth");
const { idempotencyRoute } = require("stripe-stateful-mock/dist/api/idempotency");
const { RestError } = require("stripe-stateful-mock/dist/api/RestError");
const { customers } = require("stripe-stateful-mock/dist/api/customers");
const log = require("loglevel");

log.setLevel(process.env.LOG_LEVEL || "silent");

const args = process.argv.slice(2);
const portArg = args.indexOf("--port");
const listenPort = portArg >= 0 ? Number(args[portArg + 1]) : 0;
let boundPort = 0;

// ---- state -------------------------------------------------------------------------------------

const invoiceItems = new Map(); // id → invoiceitem
const invoices = new Map(); // id → invoice
const requests = [];
let failRules = [];
let holdRule = null; // {method, path, seen}
let held = []; // functions that send a held answer

function newId(prefix) {
  const chars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let s = prefix;
  for (let i = 0; i < 24; i++) s += chars[(Math.random() * chars.length) | 0];
  return s;
}

function now() {
  return (Date.now() / 1000) | 0;
}

function invalid(message, param, code) {
  const error = { type: "invalid_request_error", message };
  if (param) error.param = param;
  if (code) error.code = code;
  return new RestError(400, error);
}

function missingParam(param) {
  return invalid(`Missing required param: ${param}.`, param, "parameter_missing");
}

function noSuch(kind, id, param) {
  return new RestError(404, {
    type: "invalid_request_error",
    code: "resource_missing",
    message: `No such ${kind}: '${id}'`,
    param,
  });
}

function integerParam(params, name, required) {
  const v = params[name];
  if (v === undefined || v === "") {
    if (required) throw missingParam(name);
    return undefined;
  }
  if (!/^-?\d+$/.test(String(v))) {
    throw invalid(`Invalid integer: ${v}`, name, "parameter_invalid_integer");
  }
  return Number(v);
}

function metadataOf(params) {
  const out = {};
  for (const [k, v] of Object.entries(params.metadata || {})) out[k] = String(v);
  return out;
}

function booleanParam(params, name, dflt) {
  const v = params[name];
  if (v === undefined) return dflt;
  if (v === "true") return true;
  if (v === "false") return false;
  throw invalid(`Invalid boolean: ${v}`, name, "parameter_invalid_boolean");
}

// Customers deleted through DELETE /v1/customers/:id (stripe-stateful-mock has no delete):
// Stripe answers them as {id, object, deleted: true} and refuses to bill them.
const deletedCustomers = new Set();

function customerOf(req, id, param) {
  if (!id) throw missingParam(param);
  if (deletedCustomers.has(id)) throw noSuch("customer", id, param);
  // stripe-stateful-mock's customers: throws its own 404 resource_missing when absent.
  return customers.retrieve(getRequestAccountId(req), id, param);
}

function list(url, data) {
  return { object: "list", data, has_more: false, url };
}

// ---- invoice items -----------------------------------------------------------------------------

function lineOf(item) {
  return {
    id: "il_" + item.id.slice(3),
    object: "line_item",
    amount: item.amount,
    currency: item.currency,
    description: item.description,
    invoice_item: item.id,
    livemode: false,
    metadata: item.metadata,
    period: item.period,
    quantity: item.quantity,
    type: "invoiceitem",
  };
}

function recompute(inv) {
  const items = [...invoiceItems.values()].filter((it) => it.invoice === inv.id);
  inv.lines = list(`/v1/invoices/${inv.id}/lines`, items.map(lineOf));
  const total = items.reduce((sum, it) => sum + it.amount, 0);
  inv.subtotal = total;
  inv.subtotal_excluding_tax = total;
  inv.total = total;
  inv.total_excluding_tax = total;
  inv.amount_due = Math.max(0, total);
  inv.amount_remaining = inv.status === "paid" ? 0 : inv.amount_due;
}

function createInvoiceItem(req) {
  const p = req.body;
  const customer = customerOf(req, p.customer, "customer");
  const amount = integerParam(p, "amount", true);
  if (!p.currency) throw missingParam("currency");
  let invoiceId = null;
  if (p.invoice) {
    const inv = invoices.get(p.invoice);
    if (!inv) throw noSuch("invoice", p.invoice, "invoice");
    if (inv.status !== "draft") {
      throw invalid("You can only add invoice items to draft invoices.", "invoice");
    }
    invoiceId = inv.id;
  }
  const created = now();
  const period = p.period
    ? { start: integerParam(p.period, "start", true), end: integerParam(p.period, "end", true) }
    : { start: created, end: created };
  const item = {
    id: newId("ii_"),
    object: "invoiceitem",
    amount,
    currency: String(p.currency).toLowerCase(),
    customer: customer.id,
    date: created,
    description: p.description || null,
    discountable: true,
    invoice: invoiceId,
    livemode: false,
    metadata: metadataOf(p),
    period,
    proration: false,
    quantity: 1,
    unit_amount: amount,
    unit_amount_decimal: String(amount),
  };
  invoiceItems.set(item.id, item);
  if (invoiceId) recompute(invoices.get(invoiceId));
  return item;
}

// ---- invoices ----------------------------------------------------------------------------------

function createInvoice(req) {
  const p = req.body;
  const customer = customerOf(req, p.customer, "customer");
  const collection = p.collection_method || "charge_automatically";
  if (collection !== "charge_automatically" && collection !== "send_invoice") {
    throw invalid(`Invalid collection_method: ${collection}`, "collection_method");
  }
  let daysUntilDue = integerParam(p, "days_until_due", false);
  if (collection === "charge_automatically" && daysUntilDue !== undefined) {
    throw invalid(
      "Invoices with `collection_method=charge_automatically` cannot have `days_until_due`.",
      "days_until_due"
    );
  }
  if (collection === "send_invoice" && daysUntilDue === undefined && !p.due_date) {
    throw invalid(
      "Invoices with `collection_method=send_invoice` must have a `due_date` or `days_until_due`.",
      "days_until_due"
    );
  }
  const behavior = p.pending_invoice_items_behavior || "exclude";
  if (behavior !== "include" && behavior !== "exclude") {
    throw invalid(`Invalid pending_invoice_items_behavior: ${behavior}`, "pending_invoice_items_behavior");
  }
  const created = now();
  const inv = {
    id: newId("in_"),
    object: "invoice",
    amount_due: 0,
    amount_paid: 0,
    amount_remaining: 0,
    attempt_count: 0,
    attempted: false,
    auto_advance: booleanParam(p, "auto_advance", false),
    billing_reason: "manual",
    collection_method: collection,
    created,
    currency: "usd",
    customer: customer.id,
    customer_email: customer.email,
    customer_name: customer.name,
    days_until_due: daysUntilDue === undefined ? null : daysUntilDue,
    description: p.description || null,
    due_date: daysUntilDue === undefined ? null : created + daysUntilDue * 86400,
    hosted_invoice_url: null,
    invoice_pdf: null,
    livemode: false,
    metadata: metadataOf(p),
    number: null,
    paid: false,
    period_end: created,
    period_start: created,
    status: "draft",
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: 0,
    total: 0,
  };
  invoices.set(inv.id, inv);
  if (behavior === "include") {
    for (const it of invoiceItems.values()) {
      if (it.customer === customer.id && it.invoice === null) {
        it.invoice = inv.id;
        inv.currency = it.currency;
      }
    }
  }
  recompute(inv);
  return inv;
}

const invoiceSeq = new Map(); // customer → next invoice number

function finalizeInvoice(req) {
  const inv = invoices.get(req.params.id);
  if (!inv) throw noSuch("invoice", req.params.id, "id");
  if (inv.status !== "draft") {
    throw invalid(
      "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
      undefined,
      "invoice_unexpected_state"
    );
  }
  if (req.body.auto_advance !== undefined) inv.auto_advance = booleanParam(req.body, "auto_advance");
  const customer = customerOf(req, inv.customer, "customer");
  const seq = invoiceSeq.get(customer.id) || 1;
  invoiceSeq.set(customer.id, seq + 1);
  const t = now();
  inv.number = `${customer.invoice_prefix}-${String(seq).padStart(4, "0")}`;
  inv.hosted_invoice_url = `http://127.0.0.1:${boundPort}/i/${inv.id}`;
  inv.invoice_pdf = `http://127.0.0.1:${boundPort}/i/${inv.id}/pdf`;
  inv.status_transitions.finalized_at = t;
  recompute(inv);
  if (inv.amount_due === 0) {
    inv.status = "paid";
    inv.paid = true;
    inv.status_transitions.paid_at = t;
  } else {
    inv.status = "open";
  }
  recompute(inv);
  return inv;
}

// ---- payment intents --------------------------------------------------------------------------

const paymentIntents = new Map(); // id → payment intent

function createPaymentIntent(req) {
  const p = req.body;
  const amount = integerParam(p, "amount", true);
  if (amount < 1) throw invalid("This value must be greater than or equal to 1.", "amount");
  if (!p.currency) throw missingParam("currency");
  if (!/^[a-z]{3}$/.test(String(p.currency))) {
    throw invalid(`Invalid currency: ${p.currency}.`, "currency");
  }
  const confirm = booleanParam(p, "confirm", false);
  const spt = p.payment_method_data && p.payment_method_data.shared_payment_granted_token;
  const pm = p.payment_method || (spt ? "pm_from_" + spt : null);
  const auto = p.automatic_payment_methods || {};
  if (confirm && !pm) {
    throw invalid(
      "You cannot confirm this PaymentIntent because it's missing a payment method.",
      "payment_method",
      "payment_intent_unexpected_state"
    );
  }
  if (confirm && auto.enabled === "true" && auto.allow_redirects !== "never" && !p.return_url) {
    throw invalid(
      "This PaymentIntent is configured to accept payment methods enabled in your Dashboard, " +
        "some of which may require a full page redirect to succeed. Provide a `return_url` or " +
        "set `automatic_payment_methods[allow_redirects]` to `never`.",
      "return_url"
    );
  }
  const pi = {
    id: newId("pi_"),
    object: "payment_intent",
    amount,
    amount_received: 0,
    capture_method: "automatic",
    client_secret: null,
    confirmation_method: "automatic",
    created: now(),
    currency: String(p.currency),
    description: p.description || null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: metadataOf(p),
    next_action: null,
    payment_method: pm,
    status: pm ? "requires_confirmation" : "requires_payment_method",
  };
  pi.client_secret = pi.id + "_secret_" + newId("");
  paymentIntents.set(pi.id, pi);
  if (!confirm) return pi;
  const trigger = String(spt || pm);
  if (trigger.includes("chargeDeclined")) {
    pi.status = "requires_payment_method";
    pi.last_payment_error = {
      type: "card_error",
      code: "card_declined",
      decline_code: "generic_decline",
      message: "Your card was declined.",
    };
    throw new RestError(402, { ...pi.last_payment_error, payment_intent: pi });
  }
  if (trigger.includes("authenticationRequired")) {
    pi.status = "requires_action";
    pi.next_action = { type: "use_stripe_sdk", use_stripe_sdk: {} };
    return pi;
  }
  pi.status = "succeeded";
  pi.amount_received = amount;
  pi.latest_charge = newId("ch_");
  return pi;
}

function paymentIntentOf(id) {
  const pi = paymentIntents.get(id);
  if (!pi) throw noSuch("payment_intent", id, "intent");
  return pi;
}

function cancelPaymentIntent(req) {
  const pi = paymentIntentOf(req.params.id);
  if (pi.status === "succeeded" || pi.status === "canceled" || pi.status === "processing") {
    throw invalid(
      `You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`,
      undefined,
      "payment_intent_unexpected_state"
    );
  }
  pi.status = "canceled";
  pi.canceled_at = now();
  pi.cancellation_reason = req.body.cancellation_reason || null;
  return pi;
}

// ---- the app -----------------------------------------------------------------------------------

const app = express();
app.use(express.json({ type: "application/json" }));

// Controls first: no auth, never recorded.
app.get("/__control/requests", (req, res) => res.json(requests));
app.post("/__control/fail", (req, res) => {
  failRules.push({ ...req.body, times: req.body.times || 1 });
  res.json({ ok: true });
});
app.post("/__control/hold", (req, res) => {
  holdRule = { method: req.body.method, path: req.body.path, seen: 0 };
  res.json({ ok: true });
});
app.get("/__control/held", (req, res) =>
  res.json({ held: held.length, seen: holdRule ? holdRule.seen : 0 })
);
app.post("/__control/release", (req, res) => {
  const toSend = held;
  held = [];
  holdRule = null;
  toSend.forEach((send) => send());
  res.json({ released: toSend.length });
});

app.use(
  bodyParser.urlencoded({
    extended: true,
    verify: (req, res, buf) => {
      req.rawBody = buf.toString("utf8");
    },
  })
);

// Record every API request, then apply the test controls.
app.use((req, res, next) => {
  const rec = {
    method: req.method,
    path: req.path,
    authorization: req.header("authorization") || null,
    stripe_version: req.header("stripe-version") || null,
    idempotency_key: req.header("idempotency-key") || null,
    content_type: req.header("content-type") || null,
    body: req.rawBody || "",
    replayed: false,
  };
  requests.push(rec);
  const originalSet = res.set.bind(res);
  res.set = (field, value) => {
    if (typeof field === "string" && field.toLowerCase() === "idempotent-replayed") rec.replayed = true;
    return originalSet(field, value);
  };
  const rule = failRules.find((r) => r.method === req.method && r.path === req.path);
  if (rule) {
    if (--rule.times <= 0) failRules = failRules.filter((r) => r !== rule);
    res.status(rule.status).json({ error: rule.error });
    return;
  }
  next();
});

app.use(auth.authRoute);
app.use(idempotencyRoute);

// Hold the answer of a matching request (after the work is done), installed after the
// idempotency layer so Stripe's replay cache still records it.
app.use((req, res, next) => {
  if (holdRule && holdRule.method === req.method && holdRule.path === req.path) {
    holdRule.seen++;
    const originalSend = res.send.bind(res);
    res.send = (body) => {
      // Sent even when the client is gone: the idempotency layer stores the answer in that
      // call, and a retry with the same key must be replayed it, as Stripe does.
      held.push(() => originalSend(body));
      return res;
    };
  }
  next();
});

const stripeRoutes = express.Router();
stripeRoutes.delete("/v1/customers/:id", (req, res) => {
  const customer = customerOf(req, req.params.id, "id");
  deletedCustomers.add(customer.id);
  res.status(200).json({ id: customer.id, object: "customer", deleted: true });
});
stripeRoutes.get("/v1/customers/:id", (req, res, next) => {
  if (!deletedCustomers.has(req.params.id)) return next();
  res.status(200).json({ id: req.params.id, object: "customer", deleted: true });
});
stripeRoutes.post("/v1/invoiceitems", (req, res) => res.status(200).json(createInvoiceItem(req)));
stripeRoutes.get("/v1/invoiceitems", (req, res) => {
  let data = [...invoiceItems.values()].reverse();
  if (req.query.customer) data = data.filter((it) => it.customer === req.query.customer);
  if (req.query.pending === "true") data = data.filter((it) => it.invoice === null);
  if (req.query.pending === "false") data = data.filter((it) => it.invoice !== null);
  res.status(200).json(list("/v1/invoiceitems", data));
});
stripeRoutes.post("/v1/invoices", (req, res) => res.status(200).json(createInvoice(req)));
stripeRoutes.get("/v1/invoices", (req, res) => {
  let data = [...invoices.values()].reverse();
  if (req.query.customer) data = data.filter((inv) => inv.customer === req.query.customer);
  res.status(200).json(list("/v1/invoices", data));
});
stripeRoutes.get("/v1/invoices/:id", (req, res) => {
  const inv = invoices.get(req.params.id);
  if (!inv) throw noSuch("invoice", req.params.id, "id");
  res.status(200).json(inv);
});
stripeRoutes.post("/v1/invoices/:id/finalize", (req, res) =>
  res.status(200).json(finalizeInvoice(req))
);
stripeRoutes.post("/v1/payment_intents", (req, res) =>
  res.status(200).json(createPaymentIntent(req))
);
stripeRoutes.get("/v1/payment_intents/:id", (req, res) =>
  res.status(200).json(paymentIntentOf(req.params.id))
);
stripeRoutes.post("/v1/payment_intents/:id/cancel", (req, res) =>
  res.status(200).json(cancelPaymentIntent(req))
);
app.use("/", stripeRoutes);
app.use("/", routes); // stripe-stateful-mock's own (customers, ...), its 404 last

app.use((err, req, res, next) => {
  if (err instanceof RestError) {
    res.status(err.statusCode).json({ error: err.error });
    return;
  }
  process.stderr.write(`unexpected error: ${err.stack}\n`);
  res.status(500).json({ error: { type: "api_error", message: "Unexpected error" } });
});

const server = app.listen(listenPort, "127.0.0.1", () => {
  boundPort = server.address().port;
  process.stdout.write(`${boundPort}\n`);
});
process.on("SIGTERM", () => process.exit(0));
