// A minimal graphql-transport-ws client for one subscription: inboxChanged. It reconnects with a
// growing pause and stops when the server closes for good (4401/4403: signed out or disabled).
const QUERY = "subscription { inboxChanged { submissionId trackingCode change at } }";

export function subscribeInbox(onChange, onSessionEnded) {
  let socket;
  let stopped = false;
  let pause = 1000;
  let timer;

  function connect() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql";
    socket = new WebSocket(url, "graphql-transport-ws");
    socket.onopen = () => socket.send(JSON.stringify({ type: "connection_init", payload: {} }));
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "connection_ack") {
        pause = 1000;
        socket.send(JSON.stringify({ id: "inbox", type: "subscribe", payload: { query: QUERY } }));
      } else if (message.type === "next" && message.payload && message.payload.data) {
        onChange(message.payload.data.inboxChanged);
      } else if (message.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      }
    };
    socket.onclose = (event) => {
      if (stopped) return;
      if (event.code === 4401 || event.code === 4403) { onSessionEnded(); return; }
      timer = setTimeout(connect, pause);
      pause = Math.min(pause * 2, 30000);
    };
  }
  connect();
  return () => { stopped = true; clearTimeout(timer); if (socket) socket.close(1000); };
}
