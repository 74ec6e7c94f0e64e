// The host's state and routes, independent of WebKit: the scheme handler and the message
// handler (WebNNCoreMLBridge module) turn WebKit's requests into BridgeRequest values and call
// this actor; so does any other transport. Same routes and checks as src/node/bridge-host.ts.
//
// Files: one private folder per host under the app's temporary directory (0700), one folder per
// upload inside it (the zip, or the package's files as they arrive), replaced by the compiled
// model once loaded; unloading, a failed load, cancelling, an idle upload and shutdown() all
// delete their folders.
import Foundation

public struct BridgeRequest: Sendable {
    public var method: String
    /// URL path, e.g. "/v1/uploads/ID/chunk".
    public var path: String
    public var query: [String: String]
    /// The page's origin ("scheme://host[:port]"), from the Origin header or the main document URL.
    public var origin: String?
    public var body: Data

    public init(method: String, path: String, query: [String: String], origin: String?, body: Data) {
        self.method = method
        self.path = path
        self.query = query
        self.origin = origin
        self.body = body
    }
}

public struct BridgeResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: Data
    public var headers: [String: String]

    public init(status: Int, contentType: String, body: Data, headers: [String: String] = [:]) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    static func json(_ value: Any, status: Int = 200) -> BridgeResponse {
        let body = (try? JSONSerialization.data(withJSONObject: value)) ?? Data("{}".utf8)
        return BridgeResponse(status: status, contentType: "application/json", body: body)
    }

    static func error(_ e: BridgeError) -> BridgeResponse {
        json(["error": ["code": e.code.rawValue, "message": e.message]], status: e.code.httpStatus)
    }
}

public struct BridgeConfiguration: Sendable {
    /// Origins allowed to use the bridge, e.g. ["webnn-coreml-app://local", "http://localhost:5173"].
    public var allowedOrigins: Set<String>
    public var limits: BridgeLimits
    /// Where the private folder is made; default FileManager.default.temporaryDirectory.
    public var temporaryRoot: URL?

    public init(allowedOrigins: Set<String>, limits: BridgeLimits = BridgeLimits(), temporaryRoot: URL? = nil) {
        self.allowedOrigins = allowedOrigins
        self.limits = limits
        self.temporaryRoot = temporaryRoot
    }
}

public actor BridgeHost {
    final class Upload {
        let id: String
        let name: String
        let isZip: Bool
        let size: Int
        let files: [(path: String, size: Int)]
        let dir: URL
        var received = 0
        var lastActive = Date()

        init(id: String, name: String, isZip: Bool, size: Int, files: [(path: String, size: Int)], dir: URL) {
            self.id = id
            self.name = name
            self.isZip = isZip
            self.size = size
            self.files = files
            self.dir = dir
        }

        var zipURL: URL { dir.appendingPathComponent("package.zip") }
        /// Named after the upload's id: MLModel.compileModel(at:) compiles into a temporary
        /// location named after the package, so two loads of "Model.mlpackage" could collide.
        var packageURL: URL { dir.appendingPathComponent("\(id).mlpackage", isDirectory: true) }
    }

    struct Loaded {
        let id: String
        let name: String
        let computeUnits: ComputeUnitsName
        let runner: ModelRunner
        let dir: URL
    }

    public let configuration: BridgeConfiguration
    /// The private folder holding uploads and compiled models.
    public let folder: URL
    // Immutable Sendable state, readable without awaiting (also from other modules).
    public nonisolated var limits: BridgeLimits { configuration.limits }
    public nonisolated var folderURL: URL { folder }
    private var uploads: [String: Upload] = [:]
    private var models: [String: Loaded] = [:]
    private var loading = 0
    private var sweeper: Task<Void, Never>?

    public init(configuration: BridgeConfiguration) throws {
        self.configuration = configuration
        let root = configuration.temporaryRoot ?? FileManager.default.temporaryDirectory
        folder = root.appendingPathComponent("webnn-coreml-bridge-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Drops every upload and model and deletes the host's folder.
    public func shutdown() {
        sweeper?.cancel()
        uploads.removeAll()
        models.removeAll()
        try? FileManager.default.removeItem(at: folder)
    }

    public func isAllowed(_ origin: String?) -> Bool {
        guard let origin, origin != "null" else { return false }
        return configuration.allowedOrigins.contains(origin)
    }

    // ---------------------------------------------------------------- routes

    public func handle(_ request: BridgeRequest) async -> BridgeResponse {
        startSweeper()
        do {
            return try await route(request)
        } catch {
            return .error(BridgeError.wrap(error, .internal))
        }
    }

    private func route(_ r: BridgeRequest) async throws -> BridgeResponse {
        let parts = r.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { $0.removingPercentEncoding ?? String($0) }
        guard let version = parts.first, version.hasPrefix("v"), parts.count >= 2 else {
            throw BridgeError(.notFound, "no endpoint \(r.path)")
        }
        guard version == "v\(BridgeProtocol.version)" else {
            throw BridgeError(.unsupportedVersion, "protocol version \(version.dropFirst()) is not supported (this host speaks \(BridgeProtocol.version))")
        }
        guard r.method == "POST" else { throw BridgeError(.badRequest, "use POST (got \(r.method))") }
        guard isAllowed(r.origin) else { throw BridgeError(.originNotAllowed, "origin \(r.origin ?? "(none)") is not allowed to use this bridge") }
        let s = Array(parts.dropFirst())
        let head = s.first ?? ""
        func json() throws -> [String: Any] {
            guard r.body.count <= BridgeProtocol.maxJSONBytes else { throw BridgeError(.requestTooLarge, "the body is \(r.body.count) bytes") }
            guard let o = try? JSONSerialization.jsonObject(with: r.body) as? [String: Any] else { throw BridgeError(.badRequest, "the body is not a JSON object") }
            return o
        }
        switch (s.count, head) {
        case (1, "info"):
            return .json(info())
        case (1, "message"):
            let reply = await control(r.body, origin: r.origin)
            return BridgeResponse(status: 200, contentType: "application/json", body: reply)
        case (1, "uploads"):
            return .json(try beginUpload(try json()))
        case (3, "uploads") where s[2] == "chunk":
            guard let text = r.query["offset"], !text.isEmpty, text.count <= 16, text.allSatisfy({ $0.isASCII && $0.isNumber }),
                  text == "0" || !text.hasPrefix("0"), let offset = Int(text) else { throw BridgeError(.badRequest, "offset must be a non-negative decimal integer") }
            guard r.body.count <= limits.maxChunkBytes else { throw BridgeError(.chunkTooLarge, "the chunk is \(r.body.count) bytes, over the limit of \(limits.maxChunkBytes)") }
            return .json(try writeChunk(s[1], offset: offset, data: r.body))
        case (3, "uploads") where s[2] == "cancel":
            return .json(try cancelUpload(s[1]))
        case (1, "models"):
            let request = try json()
            let loaded = try await load(request)
            return .json(loaded)
        case (3, "models") where s[2] == "predict":
            guard let model = models[s[1]] else { throw BridgeError(.unknownModel, "no model \(s[1])") }
            guard r.body.count <= limits.maxRequestBytes else { throw BridgeError(.requestTooLarge, "the body is \(r.body.count) bytes") }
            let inputs = try TensorMessage.decode(r.body)
            let outputs = try await model.runner.predict(inputs)
            return BridgeResponse(status: 200, contentType: "application/octet-stream", body: TensorMessage.encode(outputs))
        case (3, "models") where s[2] == "unload":
            return .json(try unload(s[1]))
        default:
            throw BridgeError(.notFound, "no endpoint POST \(r.path)")
        }
    }

    /// A control message from the script message handler: JSON in, `{ok, result}` or `{ok, error}` JSON out.
    public func control(_ message: Data, origin: String?) async -> Data {
        var reply: [String: Any]
        do {
            guard isAllowed(origin) else { throw BridgeError(.originNotAllowed, "origin \(origin ?? "(none)") is not allowed to use this bridge") }
            guard let m = try? JSONSerialization.jsonObject(with: message) as? [String: Any], let op = m["op"] as? String else {
                throw BridgeError(.badRequest, "expected {\"op\": ...}")
            }
            let result: [String: Any]
            switch op {
            case "info": result = info()
            case "unload": result = try unload(m["modelId"] as? String ?? "")
            case "cancelUpload": result = try cancelUpload(m["uploadId"] as? String ?? "")
            default: throw BridgeError(.badRequest, "unknown op \(op)")
            }
            reply = ["ok": true, "result": result]
        } catch {
            let e = BridgeError.wrap(error, .internal)
            reply = ["ok": false, "error": ["code": e.code.rawValue, "message": e.message]]
        }
        return (try? JSONSerialization.data(withJSONObject: reply)) ?? Data("{\"ok\":false}".utf8)
    }

    func info() -> [String: Any] {
        [
            "protocol": BridgeProtocol.name, "version": BridgeProtocol.version, "host": BridgeProtocol.hostName,
            "computeUnits": ComputeUnitsName.allCases.map(\.rawValue), "limits": limits.json, "models": models.count,
        ]
    }

    // ---------------------------------------------------------------- uploads

    func beginUpload(_ r: [String: Any]) throws -> [String: Any] {
        sweep()
        guard let format = r["format"] as? String, format == "zip" || format == "files" else { throw BridgeError(.badRequest, "format must be \"zip\" or \"files\"") }
        guard let size = r["size"] as? Int, size > 0 else { throw BridgeError(.badRequest, "size must be a positive integer") }
        guard size <= limits.maxPackageBytes else { throw BridgeError(.packageTooLarge, "the package is \(size) bytes, over the limit of \(limits.maxPackageBytes)") }
        guard let rawName = r["name"] as? String, rawName.count <= 200 else { throw BridgeError(.badRequest, "name must be a string of at most 200 characters") }
        let name = String(rawName.map { $0.isLetter || $0.isNumber || " ._-".contains($0) ? $0 : "_" })
        var files: [(path: String, size: Int)] = []
        if format == "files" {
            guard let list = r["files"] as? [[String: Any]] else { throw BridgeError(.badRequest, "files must be an array of {path, size}") }
            files = try Self.checkFileList(list, size: size, maxFiles: limits.maxFiles)
        }
        guard uploads.count < limits.maxUploads else { throw BridgeError(.tooManyUploads, "\(uploads.count) uploads are in progress, the host's limit (maxUploads \(limits.maxUploads))") }
        let id = UUID().uuidString
        let u = Upload(id: id, name: name.isEmpty ? "Model" : name, isZip: format == "zip", size: size, files: files, dir: folder.appendingPathComponent(id, isDirectory: true))
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: u.dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            if u.isZip {
                guard fm.createFile(atPath: u.zipURL.path, contents: nil) else { throw BridgeError(.internal, "cannot create the upload file") }
            } else {
                for f in files {
                    let url = try Self.fileURL(u, f.path)
                    try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    guard fm.createFile(atPath: url.path, contents: nil) else { throw BridgeError(.invalidPackage, "cannot create \(f.path)") }
                }
            }
        } catch {
            try? fm.removeItem(at: u.dir)
            throw BridgeError.wrap(error, .invalidPackage)
        }
        uploads[id] = u
        return ["uploadId": id, "maxChunkBytes": limits.maxChunkBytes]
    }

    static func checkFileList(_ list: [[String: Any]], size: Int, maxFiles: Int) throws -> [(path: String, size: Int)] {
        guard !list.isEmpty else { throw BridgeError(.invalidPackage, "the package has no files") }
        guard list.count <= maxFiles else { throw BridgeError(.invalidPackage, "the package has \(list.count) files, over the limit of \(maxFiles)") }
        var files: [(path: String, size: Int)] = []
        var total = 0
        for f in list {
            guard let path = f["path"] as? String, let n = f["size"] as? Int, n >= 0 else { throw BridgeError(.badRequest, "each file needs a path and a size") }
            guard isSafePackagePath(path) else { throw BridgeError(.unsafePath, "unsafe file path \"\(path)\"") }
            files.append((path, n))
            total += n
        }
        guard total == size else { throw BridgeError(.badRequest, "the files add up to \(total) bytes, the upload declares \(size)") }
        let paths = Set(files.map(\.path))
        guard paths.count == files.count else { throw BridgeError(.invalidPackage, "a file path appears twice") }
        for p in paths {
            let segments = p.split(separator: "/")
            for i in 1..<max(1, segments.count) where paths.contains(segments[0..<i].joined(separator: "/")) {
                throw BridgeError(.invalidPackage, "\(segments[0..<i].joined(separator: "/")) is both a file and a folder")
            }
        }
        guard paths.contains("Manifest.json") else { throw BridgeError(.invalidPackage, "the package has no Manifest.json") }
        return files
    }

    /// A package file's location, checked to stay inside the upload's package folder.
    static func fileURL(_ u: Upload, _ path: String) throws -> URL {
        let base = u.packageURL.standardizedFileURL
        let url = path.split(separator: "/").reduce(base) { $0.appendingPathComponent(String($1)) }.standardizedFileURL
        guard url.path.hasPrefix(base.path + "/") else { throw BridgeError(.unsafePath, "file path \"\(path)\" leaves the package folder") }
        return url
    }

    static func append(_ data: Data, to url: URL) throws {
        let fh = try FileHandle(forWritingTo: url)
        defer { try? fh.close() }
        try fh.seekToEnd()
        try fh.write(contentsOf: data)
    }

    func writeChunk(_ id: String, offset: Int, data: Data) throws -> [String: Any] {
        sweep()
        guard let u = uploads[id] else { throw BridgeError(.unknownUpload, "no upload \(id)") }
        guard offset == u.received else { throw BridgeError(.badOffset, "chunk at offset \(offset), expected \(u.received)") }
        guard !data.isEmpty else { throw BridgeError(.badRequest, "empty chunk") }
        guard data.count <= u.size - u.received else {
            dropUpload(u)
            throw BridgeError(.badOffset, "chunk runs past the declared size of \(u.size) bytes; the upload is dropped")
        }
        do {
            if u.isZip {
                try Self.append(data, to: u.zipURL)
            } else {
                // The body continues the files' concatenation, in declared order.
                var pos = u.received
                var rest = data[...]
                var start = 0
                for f in u.files {
                    let end = start + f.size
                    if pos < end, !rest.isEmpty {
                        let take = min(end - pos, rest.count)
                        try Self.append(Data(rest.prefix(take)), to: try Self.fileURL(u, f.path))
                        rest = rest.dropFirst(take)
                        pos += take
                    }
                    start = end
                }
            }
        } catch {
            dropUpload(u)
            throw BridgeError.wrap(error, .internal)
        }
        u.received += data.count
        u.lastActive = Date()
        return ["received": u.received]
    }

    func cancelUpload(_ id: String) throws -> [String: Any] {
        guard let u = uploads[id] else { throw BridgeError(.unknownUpload, "no upload \(id)") }
        dropUpload(u)
        return [:]
    }

    private func dropUpload(_ u: Upload) {
        uploads.removeValue(forKey: u.id)
        try? FileManager.default.removeItem(at: u.dir)
    }

    /// Drops uploads idle for longer than uploadIdleSeconds.
    func sweep() {
        let limit = Date().addingTimeInterval(-limits.uploadIdleSeconds)
        for u in uploads.values where u.lastActive < limit { dropUpload(u) }
    }

    private func startSweeper() {
        guard sweeper == nil else { return }
        let every = UInt64(max(1, min(limits.uploadIdleSeconds / 2, 30)) * 1_000_000_000)
        sweeper = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: every)
                guard let self else { return }
                await self.sweep()
            }
        }
    }

    // ---------------------------------------------------------------- models

    /// Extracts (zip) or takes (files) the package, compiles and loads it. Consumes the upload, whatever the outcome.
    func load(_ r: [String: Any]) async throws -> [String: Any] {
        guard let id = r["uploadId"] as? String else { throw BridgeError(.badRequest, "uploadId must be a string") }
        guard let units = ComputeUnitsName(rawValue: r["computeUnits"] as? String ?? "all") else {
            throw BridgeError(.badRequest, "computeUnits must be one of \(ComputeUnitsName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let u = uploads.removeValue(forKey: id) else { throw BridgeError(.unknownUpload, "no upload \(id)") }
        let fm = FileManager.default
        let functionName = r["functionName"] as? String
        if r["functionName"] != nil {
            // An identifier of at most 128 characters, as the converter names functions (\z: ICU's
            // `$` would also match before a final newline).
            guard let f = functionName, f.range(of: "^[A-Za-z_][A-Za-z0-9_]{0,127}\\z", options: .regularExpression) != nil else {
                try? fm.removeItem(at: u.dir)
                throw BridgeError(.badRequest, "functionName must be an identifier of at most 128 characters")
            }
        }
        guard u.received == u.size else {
            try? fm.removeItem(at: u.dir)
            throw BridgeError(.incompleteUpload, "\(u.received) of \(u.size) bytes received")
        }
        guard models.count + loading < limits.maxModels else {
            try? fm.removeItem(at: u.dir)
            throw BridgeError(.tooManyModels, "\(models.count) models are loaded, the host's limit (maxModels \(limits.maxModels)); unload one first")
        }
        loading += 1
        defer { loading -= 1 }
        let limits = self.limits
        do {
            if u.isZip {
                // Off the actor: extraction reads and checksums the whole package.
                let zip = u.zipURL
                let package = u.packageURL
                try await Task.detached { try PackageZip.extract(zip, to: package, limits: limits) }.value
                try? fm.removeItem(at: zip)
            }
            let runner = try await ModelRunner.compileAndLoad(
                package: u.packageURL, compiledDestination: u.dir.appendingPathComponent("Model.mlmodelc", isDirectory: true), computeUnits: units,
                functionName: functionName)
            try? fm.removeItem(at: u.packageURL) // the compiled model is all that is needed now
            let modelId = UUID().uuidString
            models[modelId] = Loaded(id: modelId, name: u.name, computeUnits: units, runner: runner, dir: u.dir)
            func describe(_ e: IOEntry) -> [String: Any] { ["name": e.name, "dataType": e.dataType, "shape": e.shape] }
            var reply: [String: Any] = [
                "modelId": modelId, "name": u.name, "computeUnits": units.rawValue,
                "inputs": runner.inputs.map(describe), "outputs": runner.outputs.map(describe),
            ]
            if let functionName { reply["functionName"] = functionName }
            return reply
        } catch {
            try? fm.removeItem(at: u.dir)
            throw BridgeError.wrap(error, .compileFailed)
        }
    }

    func unload(_ id: String) throws -> [String: Any] {
        guard let m = models.removeValue(forKey: id) else { throw BridgeError(.unknownModel, "no model \(id)") }
        try? FileManager.default.removeItem(at: m.dir)
        return [:]
    }

    /// Uploads and models now, and what is left in the private folder (for tests and diagnostics).
    public func state() -> (uploads: Int, models: Int, files: [String]) {
        let files = (FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String]) ?? []
        return (uploads.count, models.count, files.sorted())
    }
}
