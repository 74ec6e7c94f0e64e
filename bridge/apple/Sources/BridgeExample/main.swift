// A small macOS app: a WKWebView showing the webnn-coreml demo with the Core ML bridge on.
//
//   swift run BridgeExample [URL]        # default http://localhost:5173/ (npm run dev in demo/)
//
// The page's origin is the only one allowed to use the bridge. The page finds the bridge through
// `window.__webnnCoreMLBridge` (set by the installed user script) and CoreMLBridge.isAvailable().
#if os(macOS)
import AppKit
import WebKit
import WebNNCoreMLBridge
import WebNNCoreMLBridgeCore

let pageURL = URL(string: CommandLine.arguments.dropFirst().first ?? ProcessInfo.processInfo.environment["WEBNN_COREML_DEMO_URL"] ?? "http://localhost:5173/")!

@MainActor
final class AppDelegate: NSObject, NSApplicationDelegate, NSWindowDelegate {
    var window: NSWindow?
    var bridge: WebNNCoreMLBridge?

    func applicationDidFinishLaunching(_ notification: Notification) {
        guard let origin = originOf(pageURL) else { fatalError("not a page URL: \(pageURL)") }
        do {
            bridge = try WebNNCoreMLBridge(allowedOrigins: [origin])
        } catch {
            fatalError("cannot start the bridge: \(error)")
        }
        let configuration = WKWebViewConfiguration()
        bridge?.install(on: configuration)
        let webView = WKWebView(frame: NSRect(x: 0, y: 0, width: 1100, height: 800), configuration: configuration)
        if #available(macOS 13.3, *) { webView.isInspectable = true } // Safari ▸ Develop
        webView.load(URLRequest(url: pageURL))
        let window = NSWindow(contentRect: webView.frame, styleMask: [.titled, .closable, .resizable, .miniaturizable], backing: .buffered, defer: false)
        window.title = "webnn-coreml · Core ML bridge · \(origin)"
        window.contentView = webView
        window.delegate = self
        window.center()
        window.makeKeyAndOrderFront(nil)
        self.window = window
        NSApp.activate(ignoringOtherApps: true)
    }

    func windowWillClose(_ notification: Notification) {
        let bridge = self.bridge
        Task {
            await bridge?.shutdown() // deletes the bridge's temporary files
            NSApp.terminate(nil)
        }
    }
}

MainActor.assumeIsolated {
    let app = NSApplication.shared
    app.setActivationPolicy(.regular) // a window and a Dock icon, also when run unbundled
    let delegate = AppDelegate()
    app.delegate = delegate
    app.run()
}
#else
print("BridgeExample is a macOS app; on iOS, use WebNNCoreMLBridge in your own app (see bridge/apple/README.md).")
#endif
