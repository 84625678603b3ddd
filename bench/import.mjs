// Reads a whole tenant's users the way an IdP's full import does, one request
// at a time over one keep-alive connection, and prints what it cost.
//   node bench/import.mjs cursor|index BASE_URL TOKEN [PREFIX]
//   cursor: GET /Users?cursor&count=200, then ?cursor=<nextCursor> until none (RFC 9865)
//   index:  GET /Users?startIndex=1&count=100, +100 until past totalResults
// Env: IMPORT_TIMEOUT_S (default 1200): stop there and report what was read.
//      QUERY: more parameters for every request (e.g. sortBy=displayName).
// Stdout, `name value unit` lines (PREFIX default import_<mode>):
//   <p>_s wall seconds   <p>_requests   <p>_users (distinct ids read)
//   <p>_total (totalResults of the first page)   <p>_max_req_ms (slowest request)
//   <p>_complete 1|0 (0: timed out, an error, or missing / duplicate users)
import http from "node:http";

const [mode, baseArg, token, prefixArg] = process.argv.slice(2);
if (!["cursor", "index"].includes(mode) || !baseArg) {
  console.error("usage: import.mjs cursor|index BASE_URL TOKEN [PREFIX]");
  process.exit(2);
}
const prefix = prefixArg || `import_${mode}`;
const base = new URL(baseArg.replace(/\/+$/, ""));
const deadline = Date.now() + 1000 * Number(process.env.IMPORT_TIMEOUT_S ?? 1200);
const agent = new http.Agent({keepAlive: true, maxSockets: 1});
const extra = process.env.QUERY ? `&${process.env.QUERY}` : "";

function get(query) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent, host: base.hostname, port: base.port, path: `${base.pathname}/Users?${query}${extra}`,
      headers: {"Authorization": `Bearer ${token}`, "Accept": "application/scim+json"},
    }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({status: res.statusCode, body: Buffer.concat(chunks).toString("utf8")}));
      res.on("error", reject);
    });
    req.setTimeout(120000, () => req.destroy(new Error("request timeout (120 s)")));
    req.on("error", reject);
    req.end();
  });
}

const ids = new Set();
let requests = 0, read = 0, total = -1, maxMs = 0, complete = true;
const t0 = process.hrtime.bigint();

async function page(query) {
  const s = process.hrtime.bigint();
  const r = await get(query);
  const ms = Number(process.hrtime.bigint() - s) / 1e6;
  requests++;
  if (ms > maxMs) maxMs = ms;
  if (r.status !== 200) throw new Error(`HTTP ${r.status} for ?${query}: ${r.body.slice(0, 300)}`);
  const list = JSON.parse(r.body);
  if (total < 0) total = list.totalResults;
  for (const u of list.Resources ?? []) { ids.add(u.id); read++; }
  return list;
}

try {
  if (mode === "cursor") {
    let list = await page("cursor&count=200");
    while (list.nextCursor) {
      if (Date.now() > deadline) throw new Error("timed out");
      list = await page(`cursor=${encodeURIComponent(list.nextCursor)}&count=200`);
    }
  } else {
    let start = 1;
    for (;;) {
      const list = await page(`startIndex=${start}&count=100`);
      start += 100;
      if (!(list.Resources ?? []).length || start > list.totalResults) break;
      if (Date.now() > deadline) throw new Error("timed out");
    }
  }
} catch (e) {
  console.error(`import ${mode}: ${e.message} after ${requests} requests`);
  complete = false;
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
if (ids.size !== total || read !== ids.size) {
  console.error(`import ${mode}: read ${read} users, ${ids.size} distinct, totalResults ${total}`);
  complete = false;
}
agent.destroy();
console.log([
  `${prefix}_s ${secs.toFixed(2)} s`,
  `${prefix}_requests ${requests} requests`,
  `${prefix}_users ${ids.size} users`,
  `${prefix}_total ${total} users`,
  `${prefix}_max_req_ms ${maxMs.toFixed(1)} ms`,
  `${prefix}_complete ${complete ? 1 : 0} bool`,
].join("\n"));
