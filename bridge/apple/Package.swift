// swift-tools-version:5.9
// The Core ML host for the webnn-coreml WKWebView bridge (docs/bridge-protocol.md).
//
//   WebNNCoreMLBridgeCore  protocol, upload store, STORE-zip reader, Core ML runner (no WebKit)
//   WebNNCoreMLBridge      WKURLSchemeHandler + WKScriptMessageHandlerWithReply for a WKWebView
//   BridgeExample          macOS app: a WKWebView showing the demo with the bridge switched on
//   coreml-conformance     runs `npm run conformance -- --emit DIR` packages through real Core ML
import PackageDescription

let package = Package(
    name: "WebNNCoreMLBridge",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "WebNNCoreMLBridge", targets: ["WebNNCoreMLBridge"]),
        .library(name: "WebNNCoreMLBridgeCore", targets: ["WebNNCoreMLBridgeCore"]),
        .executable(name: "BridgeExample", targets: ["BridgeExample"]),
        .executable(name: "coreml-conformance", targets: ["coreml-conformance"]),
    ],
    targets: [
        .target(name: "WebNNCoreMLBridgeCore"),
        .target(name: "WebNNCoreMLBridge", dependencies: ["WebNNCoreMLBridgeCore"]),
        .executableTarget(name: "BridgeExample", dependencies: ["WebNNCoreMLBridge"]),
        .executableTarget(name: "coreml-conformance", dependencies: ["WebNNCoreMLBridgeCore"]),
        .testTarget(name: "WebNNCoreMLBridgeCoreTests", dependencies: ["WebNNCoreMLBridgeCore"]),
    ]
)
