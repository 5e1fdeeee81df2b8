// A local stand-in for the parts of Stripe's API that edge-accounts calls, for tests and `npm run dev`.
// Point the worker at it with STRIPE_API_HOST / STRIPE_API_PORT / STRIPE_API_PROTOCOL=http.
//   node scripts/fake-stripe.mjs [port]      (default 12111)
// Control endpoints for tests live under /__fake/.
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

function stripeError(res, status, type, message) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { type, message } }));
}

function send(res, body) {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readBody(req) {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text;
}

/** Starts the fake on `port` (0 = any free port) on loopback; resolves to { port, close }. */
export function startFakeStripe(port = 12111) {
  const state = { sessions: new Map(), requests: [], failNext: 0, counter: 0 };
  const nextId = (prefix) => `${prefix}_fake_${(++state.counter).toString().padStart(6, "0")}`;

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const text = await readBody(req);

    if (url.pathname.startsWith("/__fake/")) {
      const body = text ? JSON.parse(text) : {};
      if (url.pathname === "/__fake/requests") return send(res, state.requests);
      if (url.pathname === "/__fake/fail") {
        state.failNext = body.count ?? 1;
        return send(res, { failNext: state.failNext });
      }
      const complete = /^\/__fake\/sessions\/([^/]+)\/complete$/.exec(url.pathname);
      const session = complete && state.sessions.get(complete[1]);
      if (!session) return stripeError(res, 404, "invalid_request_error", "No such fake control route or session");
      Object.assign(session, { status: "complete", payment_status: "paid", ...body });
      return send(res, session);
    }

    const params = Object.fromEntries(new URLSearchParams(req.method === "GET" ? url.search : text));
    state.requests.push({
      method: req.method,
      path: url.pathname,
      params,
      idempotencyKey: req.headers["idempotency-key"] ?? null,
      stripeVersion: req.headers["stripe-version"] ?? null,
    });
    if (!/^Bearer sk_/.test(req.headers.authorization ?? "")) {
      return stripeError(res, 401, "invalid_request_error", "Invalid API Key provided");
    }
    if (state.failNext > 0) {
      state.failNext -= 1;
      return stripeError(res, 500, "api_error", "The fake was told to fail");
    }

    if (req.method === "POST" && url.pathname === "/v1/checkout/sessions") {
      const id = nextId("cs_test");
      const session = {
        id,
        object: "checkout.session",
        url: `https://checkout.stripe.test/c/pay/${id}`,
        mode: params.mode,
        status: "open",
        payment_status: "unpaid",
        client_reference_id: params.client_reference_id ?? null,
        customer: params.customer ?? null,
        customer_email: params.customer_email ?? null,
        metadata: { plan_id: params["metadata[plan_id]"], user_id: params["metadata[user_id]"] },
        subscription: null,
        success_url: params.success_url,
        cancel_url: params.cancel_url,
      };
      state.sessions.set(id, session);
      return send(res, session);
    }
    const retrieve = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && retrieve) {
      const session = state.sessions.get(retrieve[1]);
      if (!session) return stripeError(res, 404, "invalid_request_error", `No such checkout.session: '${retrieve[1]}'`);
      const expand =
        url.searchParams.getAll("expand[]").includes("subscription") ||
        url.searchParams.getAll("expand[0]").includes("subscription");
      return send(res, expand ? session : { ...session, subscription: session.subscription?.id ?? null });
    }
    if (req.method === "POST" && url.pathname === "/v1/billing_portal/sessions") {
      const id = nextId("bps");
      return send(res, {
        id,
        object: "billing_portal.session",
        customer: params.customer,
        return_url: params.return_url,
        url: `https://billing.stripe.test/p/session/${id}`,
      });
    }
    // Every subscription exists but those named `sub_missing…`.
    const cancel = /^\/v1\/subscriptions\/(sub_[^/]+)$/.exec(url.pathname);
    if (req.method === "DELETE" && cancel?.[1].startsWith("sub_missing")) {
      return stripeError(res, 404, "invalid_request_error", `No such subscription: '${cancel[1]}'`);
    }
    if (req.method === "DELETE" && cancel) {
      const now = Math.floor(Date.now() / 1000);
      return send(res, { id: cancel[1], object: "subscription", status: "canceled", canceled_at: now, ended_at: now });
    }
    // Every price exists but those named `price_missing…`; yearly ones (named `…year…`) bill yearly.
    const price = /^\/v1\/prices\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && price && !price[1].startsWith("price_missing")) {
      const interval = price[1].includes("year") ? "year" : "month";
      return send(res, {
        id: price[1],
        object: "price",
        active: true,
        unit_amount: 2500,
        currency: "usd",
        recurring: { interval },
      });
    }
    if (price) return stripeError(res, 404, "invalid_request_error", `No such price: '${price[1]}'`);
    return stripeError(res, 404, "invalid_request_error", `Unrecognized request URL (${req.method}: ${url.pathname})`);
  });

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      resolve({
        port: typeof address === "object" && address ? address.port : port,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { port } = await startFakeStripe(Number(process.argv[2] ?? 12111));
  console.log(`fake Stripe API on http://127.0.0.1:${port}`);
}
