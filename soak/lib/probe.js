// What every soak probe does the same way: a TCP connection to a component on loopback,
// and the run itself (main's verdict is the exit code; every clean-up step runs on every
// way out).
import { connect } from "node:net";
import { cleanup } from "./soak-helpers.js";
function open(port) {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" }, () => resolve(socket));
    socket.once("error", reject);
  });
}
function runProbe(main) {
  main().then((ok) => {
    cleanup();
    process.exit(ok ? 0 : 1);
  }).catch((err) => {
    console.error(err);
    cleanup();
    process.exit(1);
  });
}
export {
  open,
  runProbe
};
