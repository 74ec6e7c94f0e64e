// WKScriptMessageHandlerWithReply `webnnCoreML`: small control messages from the page
// ({op: "info"}, {op: "unload", modelId}, {op: "cancelUpload", uploadId}); the reply is a
// JSON-like dictionary {ok: true, result} or {ok: false, error: {code, message}}. Package bytes
// and tensors never travel here (postMessage carries JSON-like values only): they go through
// the scheme handler as binary bodies.
//
// The origin checked is the sending frame's, from WebKit (message.frameInfo.securityOrigin),
// not anything the page says.
import Foundation
import WebKit
import WebNNCoreMLBridgeCore

@MainActor
public final class BridgeMessageHandler: NSObject, WKScriptMessageHandlerWithReply {
    public let host: BridgeHost

    public init(host: BridgeHost) {
        self.host = host
    }

    public func userContentController(
        _ userContentController: WKUserContentController,
        didReceive message: WKScriptMessage,
        replyHandler: @escaping @MainActor @Sendable (Any?, String?) -> Void
    ) {
        let o = message.frameInfo.securityOrigin
        let origin = o.port == 0 ? "\(o.`protocol`)://\(o.host)" : "\(o.`protocol`)://\(o.host):\(o.port)"
        guard JSONSerialization.isValidJSONObject(message.body),
              let json = try? JSONSerialization.data(withJSONObject: message.body) else {
            replyHandler(["ok": false, "error": ["code": "bad-request", "message": "the message must be a JSON object"]], nil)
            return
        }
        let host = self.host
        Task {
            let reply = await host.control(json, origin: origin)
            replyHandler(try? JSONSerialization.jsonObject(with: reply), nil)
        }
    }
}
