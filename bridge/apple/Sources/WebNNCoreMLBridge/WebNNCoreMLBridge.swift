// Switches the bridge on for a WKWebView:
//
//   let bridge = try WebNNCoreMLBridge(allowedOrigins: ["https://app.example"])
//   let configuration = WKWebViewConfiguration()
//   bridge.install(on: configuration)          // before the WKWebView is made from it
//   let webView = WKWebView(frame: .zero, configuration: configuration)
//   ...
//   await bridge.shutdown()                    // drops models, deletes the temporary files
//
// The page then finds the bridge with `CoreMLBridge.isAvailable()` (webnn-coreml/bridge): the
// installed user script sets `window.__webnnCoreMLBridge = { baseUrl, messageHandler }`.
import Foundation
import WebKit
import WebNNCoreMLBridgeCore

@MainActor
public final class WebNNCoreMLBridge {
    public let host: BridgeHost
    public let scheme: String
    public let messageHandlerName: String
    public let schemeHandler: BridgeSchemeHandler
    public let messageHandler: BridgeMessageHandler

    /// `allowedOrigins`: pages allowed to use the bridge, "scheme://host[:port]" (for a page
    /// loaded from http://localhost:5173 that is "http://localhost:5173").
    public init(
        allowedOrigins: Set<String>,
        limits: BridgeLimits = BridgeLimits(),
        scheme: String = BridgeProtocol.defaultScheme,
        messageHandlerName: String = BridgeProtocol.defaultMessageHandler
    ) throws {
        host = try BridgeHost(configuration: BridgeConfiguration(allowedOrigins: allowedOrigins, limits: limits))
        self.scheme = scheme
        self.messageHandlerName = messageHandlerName
        schemeHandler = BridgeSchemeHandler(host: host)
        messageHandler = BridgeMessageHandler(host: host)
    }

    /// The base URL the page uses: "webnn-coreml://host".
    public var baseURL: String { "\(scheme)://host" }

    /// Registers the scheme handler, the message handler and the configuration script.
    /// Call before creating the WKWebView (its configuration is copied then).
    public func install(on configuration: WKWebViewConfiguration) {
        configuration.setURLSchemeHandler(schemeHandler, forURLScheme: scheme)
        let controller = configuration.userContentController
        controller.addScriptMessageHandler(messageHandler, contentWorld: .page, name: messageHandlerName)
        let config = ["baseUrl": baseURL, "messageHandler": messageHandlerName]
        let json = String(data: (try? JSONSerialization.data(withJSONObject: config)) ?? Data("{}".utf8), encoding: .utf8) ?? "{}"
        controller.addUserScript(WKUserScript(
            source: "window.__webnnCoreMLBridge = Object.freeze(\(json));",
            injectionTime: .atDocumentStart, forMainFrameOnly: true))
    }

    /// Removes the message handler (it is retained by the user content controller otherwise).
    public func uninstall(from configuration: WKWebViewConfiguration) {
        configuration.userContentController.removeScriptMessageHandler(forName: messageHandlerName, contentWorld: .page)
    }

    public func shutdown() async {
        await host.shutdown()
    }
}
