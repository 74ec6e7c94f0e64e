// The bridge protocol's names, error codes, limits, safe paths and binary tensor message
// (docs/bridge-protocol.md). Mirrors src/bridge/protocol.ts.
import Foundation

public enum BridgeProtocol {
    public static let name = "webnn-coreml-bridge"
    public static let version = 1
    public static let hostName = "webnn-coreml-swift/0.1.0"
    /// `webnn-coreml://host/v1/...`
    public static let defaultScheme = "webnn-coreml"
    /// `window.webkit.messageHandlers.webnnCoreML`
    public static let defaultMessageHandler = "webnnCoreML"
    /// Largest JSON control body.
    public static let maxJSONBytes = 64 * 1024
}

public enum BridgeErrorCode: String, Sendable, CaseIterable {
    case badRequest = "bad-request"
    case unsupportedVersion = "unsupported-version"
    case invalidInput = "invalid-input"
    case originNotAllowed = "origin-not-allowed"
    case notFound = "not-found"
    case unknownUpload = "unknown-upload"
    case unknownModel = "unknown-model"
    case badOffset = "bad-offset"
    case incompleteUpload = "incomplete-upload"
    case packageTooLarge = "package-too-large"
    case chunkTooLarge = "chunk-too-large"
    case requestTooLarge = "request-too-large"
    case invalidPackage = "invalid-package"
    case unsafePath = "unsafe-path"
    case compileFailed = "compile-failed"
    case tooManyUploads = "too-many-uploads"
    case tooManyModels = "too-many-models"
    case loadFailed = "load-failed"
    case predictionFailed = "prediction-failed"
    case `internal` = "internal"

    public var httpStatus: Int {
        switch self {
        case .badRequest, .unsupportedVersion, .invalidInput: return 400
        case .originNotAllowed: return 403
        case .notFound, .unknownUpload, .unknownModel: return 404
        case .badOffset, .incompleteUpload: return 409
        case .packageTooLarge, .chunkTooLarge, .requestTooLarge: return 413
        case .invalidPackage, .unsafePath, .compileFailed: return 422
        case .tooManyUploads, .tooManyModels: return 429
        case .loadFailed, .predictionFailed, .internal: return 500
        }
    }
}

public struct BridgeError: Error, Sendable, CustomStringConvertible {
    public let code: BridgeErrorCode
    public let message: String

    public init(_ code: BridgeErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// Any error as a protocol error: BridgeError as is, others under `fallback`.
    public static func wrap(_ error: Error, _ fallback: BridgeErrorCode) -> BridgeError {
        if let e = error as? BridgeError { return e }
        return BridgeError(fallback, (error as NSError).localizedDescription)
    }
}

public struct BridgeLimits: Sendable {
    public var maxPackageBytes = 1 << 30
    public var maxChunkBytes = 16 << 20
    public var maxFiles = 64
    public var maxModels = 4
    public var maxUploads = 2
    public var maxRequestBytes = 256 << 20
    public var uploadIdleSeconds: Double = 120

    public init() {}

    var json: [String: Any] {
        [
            "maxPackageBytes": maxPackageBytes, "maxChunkBytes": maxChunkBytes, "maxFiles": maxFiles,
            "maxModels": maxModels, "maxUploads": maxUploads, "maxRequestBytes": maxRequestBytes,
            "uploadIdleSeconds": uploadIdleSeconds,
        ]
    }
}

public enum ComputeUnitsName: String, Sendable, CaseIterable {
    case cpuOnly, cpuAndGPU, cpuAndNeuralEngine, all
}

/// WebNN data types on the wire (the model's WebNN types; the host converts to Core ML's).
public enum WireDataType: String, Sendable, CaseIterable {
    case float32, float16, int32, uint32, int8, uint8, int64, uint64

    public var size: Int {
        switch self {
        case .int8, .uint8: return 1
        case .float16: return 2
        case .float32, .int32, .uint32: return 4
        case .int64, .uint64: return 8
        }
    }
}

/// A tensor as raw little-endian element bytes.
public struct WireTensor: Sendable {
    public var name: String
    public var dataType: WireDataType
    public var shape: [Int]
    public var data: Data

    public init(name: String, dataType: WireDataType, shape: [Int], data: Data) {
        self.name = name
        self.dataType = dataType
        self.shape = shape
        self.data = data
    }

    public var count: Int { shape.reduce(1, *) }
}

/// The predict message: "WNCB", u32 LE header length, JSON header
/// `{"tensors":[{"name","dataType","shape","byteOffset","byteLength"}]}`, zero padding to 8
/// bytes, then the data section (byteOffset relative to its start, 8-byte aligned).
public enum TensorMessage {
    static let magic: UInt32 = 0x4243_4E57 // "WNCB" little-endian

    static func align8(_ n: Int) -> Int { (n + 7) / 8 * 8 }

    public static func decode(_ message: Data) throws -> [WireTensor] {
        func bad(_ why: String) -> BridgeError { BridgeError(.badRequest, "malformed tensor message: \(why)") }
        let bytes = [UInt8](message.prefix(8))
        guard bytes.count == 8 else { throw bad("shorter than its 8-byte prefix") }
        let u32 = { (at: Int) -> Int in Int(UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24) }
        guard UInt32(u32(0)) == magic else { throw bad("no \"WNCB\" magic") }
        let headerLength = u32(4)
        guard 8 + headerLength <= message.count else { throw bad("header runs past the end") }
        let base = message.startIndex
        let header = message.subdata(in: (base + 8)..<(base + 8 + headerLength))
        guard let root = try? JSONSerialization.jsonObject(with: header) as? [String: Any],
              let list = root["tensors"] as? [[String: Any]] else { throw bad("header is not JSON with a tensors array") }
        let start = align8(8 + headerLength)
        guard start <= message.count else { throw bad("data section starts past the end") }
        let dataLength = message.count - start
        var out: [WireTensor] = []
        var names = Set<String>()
        for e in list {
            guard let name = e["name"] as? String else { throw bad("a tensor has no name") }
            guard names.insert(name).inserted else { throw bad("tensor \"\(name)\" appears twice") }
            guard let dt = (e["dataType"] as? String).flatMap(WireDataType.init(rawValue:)) else { throw bad("tensor \"\(name)\": unsupported dataType") }
            guard let shape = e["shape"] as? [Int], shape.allSatisfy({ $0 >= 0 }) else { throw bad("tensor \"\(name)\": bad shape") }
            guard let offset = e["byteOffset"] as? Int, let length = e["byteLength"] as? Int, offset >= 0, length >= 0 else {
                throw bad("tensor \"\(name)\": bad byteOffset/byteLength")
            }
            guard offset % 8 == 0 else { throw bad("tensor \"\(name)\": byteOffset \(offset) is not a multiple of 8") }
            guard offset <= dataLength, length <= dataLength - offset else { throw bad("tensor \"\(name)\" runs past the end of the message") }
            var count = 1
            var overflow = false
            for d in shape {
                let r = count.multipliedReportingOverflow(by: d)
                count = r.partialValue
                overflow = overflow || r.overflow
            }
            let bytes = count.multipliedReportingOverflow(by: dt.size)
            guard !overflow, !bytes.overflow, bytes.partialValue == length else {
                throw bad("tensor \"\(name)\": \(length) bytes for \(dt.rawValue)\(shape)")
            }
            let from = base + start + offset
            out.append(WireTensor(name: name, dataType: dt, shape: shape, data: message.subdata(in: from..<(from + length))))
        }
        return out
    }

    public static func encode(_ tensors: [WireTensor]) -> Data {
        var entries: [[String: Any]] = []
        var pos = 0
        for t in tensors {
            let at = align8(pos)
            entries.append(["name": t.name, "dataType": t.dataType.rawValue, "shape": t.shape, "byteOffset": at, "byteLength": t.data.count])
            pos = at + t.data.count
        }
        let json = (try? JSONSerialization.data(withJSONObject: ["tensors": entries])) ?? Data("{\"tensors\":[]}".utf8)
        let start = align8(8 + json.count)
        var out = Data(count: start + pos)
        out.withUnsafeMutableBytes { p in
            p.storeBytes(of: magic.littleEndian, toByteOffset: 0, as: UInt32.self)
            p.storeBytes(of: UInt32(json.count).littleEndian, toByteOffset: 4, as: UInt32.self)
            json.withUnsafeBytes { j in p.baseAddress!.advanced(by: 8).copyMemory(from: j.baseAddress!, byteCount: j.count) }
            var at = 0
            for t in tensors {
                at = align8(at)
                t.data.withUnsafeBytes { d in
                    if d.count > 0 { p.baseAddress!.advanced(by: start + at).copyMemory(from: d.baseAddress!, byteCount: d.count) }
                }
                at += t.data.count
            }
        }
        return out
    }
}

/// Whether a '/'-separated path inside a package is safe to create under a private folder:
/// relative; no "", ".", ".." segments; no backslash, ':', NUL or control characters; at most
/// 1024 UTF-8 bytes, 255 per segment. `directory` allows one trailing '/'.
public func isSafePackagePath(_ path: String, directory: Bool = false) -> Bool {
    var p = Substring(path)
    if directory, p.hasSuffix("/") { p = p.dropLast() }
    guard !p.isEmpty, p.utf8.count <= 1024, !p.hasPrefix("/") else { return false }
    for u in p.unicodeScalars where u.value < 0x20 || u.value == 0x7f || u == "\\" || u == ":" { return false }
    for segment in p.split(separator: "/", omittingEmptySubsequences: false) {
        if segment.isEmpty || segment == "." || segment == ".." || segment.utf8.count > 255 { return false }
    }
    return true
}

/// "scheme://host[:port]" of a URL (the port only when the URL names one).
public func originOf(_ url: URL) -> String? {
    guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else { return nil }
    if let port = url.port { return "\(scheme)://\(host):\(port)" }
    return "\(scheme)://\(host)"
}
