// Verifies webhook deliveries with the Standard Webhooks reference library
// (npm standardwebhooks), as a receiver would. Input on stdin: one JSON
// object per line, {"secret", "headers": {webhook-id, webhook-timestamp,
// webhook-signature}, "body"}. Output: one line per input, "ok" or
// "refused: <reason>". Exit 0 unless the input itself is unreadable.
"use strict";
const { Webhook } = require("standardwebhooks");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  for (const line of input.split("\n")) {
    if (line.trim() === "") continue;
    const c = JSON.parse(line);
    try {
      new Webhook(c.secret).verify(c.body, c.headers);
      console.log("ok");
    } catch (e) {
      console.log("refused: " + String(e.message).replace(/\n/g, " "));
    }
  }
});
