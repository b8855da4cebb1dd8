// What every soak probe does the same way: a TCP connection to a component on loopback,
// the order it sends (one reusable IOC limit order), and the run itself (main's verdict is
// the exit code; every clean-up step runs on every way out).
import { connect } from "node:net";
import { MessageType, OrderType, Side, TimeInForce } from "../../dist/src/protocol/messages.js";
import { cleanup } from "./soak-helpers.js";
function open(port) {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" }, () => resolve(socket));
    socket.once("error", reject);
  });
}
// a 1-share IOC buy of AAPL at `price` (price units), reused: set orderId (and side, price, timestamp) per send
function iocOrder(price) {
  return {
    type: MessageType.ORDER,
    orderId: "",
    symbol: "AAPL",
    side: Side.BUY,
    orderType: OrderType.LIMIT,
    timeInForce: TimeInForce.IOC,
    price,
    quantity: 1,
    timestamp: 0,
    tickSentNs: 0,
    orderSentNs: 0
  };
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
  iocOrder,
  open,
  runProbe
};
