// Node-RED settings for bench_vs_nodered (docs/benchmarks.md): the flow in flows.json
// only, no editor, no admin API, no HTTP server at all.
//   LARDER_NR_BROKER_URL   the broker, mqtt://HOST:PORT or tcp://HOST:PORT (required)
//   LARDER_NR_USER_DIR     where Node-RED may write its runtime files (default: a new
//                          directory under the system temp directory)
//   LARDER_NR_FORECAST_MS  at most one forecast per consumable per this many ms (1000)
const fs = require("fs");
const os = require("os");
const path = require("path");

if (!/^(mqtts?|tcp):\/\/[^\s]+$/.test(process.env.LARDER_NR_BROKER_URL || "")) {
    throw new Error("LARDER_NR_BROKER_URL must be set to mqtt://HOST:PORT");
}
// Paho's tcp://HOST:PORT (as bench_vs_nodered passes it) is mqtt:// to Node-RED.
process.env.LARDER_NR_BROKER_URL = process.env.LARDER_NR_BROKER_URL.replace(/^tcp:/, "mqtt:");

module.exports = {
    flowFile: path.join(__dirname, "flows.json"),
    flowFilePretty: true,
    userDir: process.env.LARDER_NR_USER_DIR ||
        fs.mkdtempSync(path.join(os.tmpdir(), "larder-nodered-")),
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    functionExternalModules: false,
    functionGlobalContext: {},
    contextStorage: { default: { module: "memory" } },
    exportGlobalContextKeys: false,
    diagnostics: { enabled: false },
    runtimeState: { enabled: false },
    telemetry: { enabled: false },
    logging: { console: { level: "warn", metrics: false, audit: false } },
};
