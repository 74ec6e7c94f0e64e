// WKURLSchemeHandler for `webnn-coreml://host/v1/...`: turns each request into a BridgeRequest
// for the BridgeHost actor and sends its response back.
//
// Threading (WebKit): start/stop are called on the main thread, and every WKURLSchemeTask
// method must be called on the main thread and never after webView(_:stop:) for that task
// (WebKit raises an exception). So: the task stays in `active` (main actor) until it is
// finished or stopped; the body is read and the request handled off the main thread; the
// response is delivered back on the main actor only if the task is still active.
//
// Request bodies: WebKit leaves `httpBody` nil for fetch() POSTs and hands the body over as
// `httpBodyStream`; both are read.
import Foundation
import WebKit
import WebNNCoreMLBridgeCore

@MainActor
public final class BridgeSchemeHandler: NSObject, WKURLSchemeHandler {
    public let host: BridgeHost
    private var active: [ObjectIdentifier: any WKURLSchemeTask] = [:]

    public init(host: BridgeHost) {
        self.host = host
    }

    public func webView(_ webView: WKWebView, start urlSchemeTask: any WKURLSchemeTask) {
        let key = ObjectIdentifier(urlSchemeTask)
        active[key] = urlSchemeTask
        let request = urlSchemeTask.request
        let origin = request.value(forHTTPHeaderField: "Origin") ?? request.mainDocumentURL.flatMap(originOf)
        let host = self.host
        let limit = max(host.limits.maxRequestBytes, host.limits.maxChunkBytes)
        if request.httpMethod == "OPTIONS" {
            // The client sends only CORS-safelisted requests; answer a preflight anyway.
            Task {
                let allowed = await host.isAllowed(origin)
                self.finish(key, request.url, allowed
                    ? BridgeResponse(status: 204, contentType: "text/plain", body: Data(), headers: [
                        "Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"])
                    : BridgeResponse(status: 403, contentType: "text/plain", body: Data()), origin: allowed ? origin : nil)
            }
            return
        }
        Task.detached {
            let response: BridgeResponse
            do {
                let body = try Self.readBody(request, limit: limit)
                var query: [String: String] = [:]
                for item in URLComponents(url: request.url ?? URL(fileURLWithPath: "/"), resolvingAgainstBaseURL: false)?.queryItems ?? [] {
                    query[item.name] = item.value ?? ""
                }
                response = await host.handle(BridgeRequest(
                    method: request.httpMethod ?? "GET", path: request.url?.path ?? "/", query: query, origin: origin, body: body))
            } catch {
                let e = BridgeError.wrap(error, .badRequest)
                let json = (try? JSONSerialization.data(withJSONObject: ["error": ["code": e.code.rawValue, "message": e.message]])) ?? Data()
                response = BridgeResponse(status: e.code.httpStatus, contentType: "application/json", body: json)
            }
            await self.finish(key, request.url, response, origin: origin)
        }
    }

    public func webView(_ webView: WKWebView, stop urlSchemeTask: any WKURLSchemeTask) {
        // WebKit no longer wants it: never touch this task again.
        active.removeValue(forKey: ObjectIdentifier(urlSchemeTask))
    }

    private func finish(_ key: ObjectIdentifier, _ url: URL?, _ r: BridgeResponse, origin: String?) {
        guard let task = active.removeValue(forKey: key) else { return } // stopped meanwhile
        var headers = r.headers
        headers["Content-Type"] = r.contentType
        headers["Content-Length"] = String(r.body.count)
        headers["Cache-Control"] = "no-store"
        if let origin {
            // Reflected for every origin so that a refused page can read the error code; the
            // host refuses the work itself for origins it does not allow.
            headers["Access-Control-Allow-Origin"] = origin
            headers["Vary"] = "Origin"
        }
        let responseURL = url ?? URL(string: "\(BridgeProtocol.defaultScheme)://host/")!
        guard let response = HTTPURLResponse(url: responseURL, statusCode: r.status, httpVersion: "HTTP/1.1", headerFields: headers) else {
            task.didFailWithError(BridgeError(.internal, "cannot make a response"))
            return
        }
        task.didReceive(response)
        if !r.body.isEmpty { task.didReceive(r.body) }
        task.didFinish()
    }

    /// The request body from `httpBody`, else from `httpBodyStream`, at most `limit` bytes.
    nonisolated static func readBody(_ request: URLRequest, limit: Int) throws -> Data {
        if let body = request.httpBody {
            guard body.count <= limit else { throw BridgeError(.requestTooLarge, "the body is over \(limit) bytes") }
            return body
        }
        guard let stream = request.httpBodyStream else { return Data() }
        stream.open()
        defer { stream.close() }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = stream.read(&buffer, maxLength: buffer.count)
            if n < 0 { throw BridgeError(.badRequest, "cannot read the request body: \(stream.streamError?.localizedDescription ?? "stream error")") }
            if n == 0 { break }
            guard data.count + n <= limit else { throw BridgeError(.requestTooLarge, "the body is over \(limit) bytes") }
            data.append(buffer, count: n)
        }
        return data
    }
}
