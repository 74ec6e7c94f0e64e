// Tests of the parts that need no WKWebView and no model: the tensor message, paths, half
// floats, CRC-32, the zip reader's checks, and the host's upload routes. `swift test` on a Mac.
import Foundation
import XCTest
@testable import WebNNCoreMLBridgeCore

final class BridgeCoreTests: XCTestCase {
    func testTensorMessageRoundTrip() throws {
        let a = WireTensor(name: "a", dataType: .float16, shape: [3], data: Data([0x00, 0x3C, 0x00, 0x40, 0x00, 0x42]))
        let b = WireTensor(name: "b", dataType: .int8, shape: [2, 1], data: Data([0xFF, 0x05]))
        let decoded = try TensorMessage.decode(TensorMessage.encode([a, b]))
        XCTAssertEqual(decoded.map(\.name), ["a", "b"])
        XCTAssertEqual(decoded[0].data, a.data)
        XCTAssertEqual(decoded[1].shape, [2, 1])
        XCTAssertThrowsError(try TensorMessage.decode(Data([1, 2, 3])))
    }

    func testSafePaths() {
        for p in ["Manifest.json", "Data/com.apple.CoreML/model.mlmodel"] { XCTAssertTrue(isSafePackagePath(p), p) }
        for p in ["", "/etc/passwd", "../x", "a/../b", "a/./b", "a//b", "a\\b", "C:x", "a\u{0}b", "a/"] { XCTAssertFalse(isSafePackagePath(p), p) }
        XCTAssertTrue(isSafePackagePath("Model.mlpackage/", directory: true))
    }

    func testHalf() {
        XCTAssertEqual(Half.bits(1), 0x3C00)
        XCTAssertEqual(Half.bits(-2), 0xC000)
        XCTAssertEqual(Half.bits(65520), 0x7C00) // rounds to Infinity
        XCTAssertEqual(Half.bits(1 + 1.0 / 2048), 0x3C00) // tie to even
        XCTAssertEqual(Half.bits(0x1p-24), 0x0001)
        XCTAssertEqual(Half.bits(.nan) & 0x7E00, 0x7E00)
        for h in [UInt16(0x0001), 0x03FF, 0x3C00, 0x7BFF, 0xFBFF, 0x8000] { XCTAssertEqual(Half.bits(Double(Half.value(h))), h) }
    }

    func testCRC32() {
        let crc = Data("123456789".utf8).withUnsafeBytes { CRC32.update(0, $0) }
        XCTAssertEqual(crc, 0xCBF4_3926)
    }

    /// A STORE zip with the given entries (name, bytes).
    func storeZip(_ entries: [(String, [UInt8])]) -> Data {
        var out = [UInt8]()
        var central = [UInt8]()
        func u16(_ v: Int, _ a: inout [UInt8]) { a += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: UInt32, _ a: inout [UInt8]) { a += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
        for (name, data) in entries {
            let n = Array(name.utf8)
            let crc = data.withUnsafeBytes { CRC32.update(0, $0) }
            let offset = UInt32(out.count)
            u32(0x0403_4B50, &out); u16(20, &out); u16(0, &out); u16(0, &out); u16(0, &out); u16(0, &out)
            u32(crc, &out); u32(UInt32(data.count), &out); u32(UInt32(data.count), &out); u16(n.count, &out); u16(0, &out)
            out += n + data
            u32(0x0201_4B50, &central); u16(20, &central); u16(20, &central); u16(0, &central); u16(0, &central); u16(0, &central); u16(0, &central)
            u32(crc, &central); u32(UInt32(data.count), &central); u32(UInt32(data.count), &central); u16(n.count, &central)
            u16(0, &central); u16(0, &central); u16(0, &central); u16(0, &central); u32(0, &central); u32(offset, &central)
            central += n
        }
        let cdOffset = out.count
        out += central
        u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(entries.count, &out); u16(entries.count, &out)
        u32(UInt32(central.count), &out); u32(UInt32(cdOffset), &out); u16(0, &out)
        return Data(out)
    }

    func withZip(_ entries: [(String, [UInt8])], _ body: (URL, URL) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let zip = dir.appendingPathComponent("p.zip")
        try storeZip(entries).write(to: zip)
        try body(zip, dir.appendingPathComponent("out/Model.mlpackage"))
    }

    func testZipExtractsAPackage() throws {
        try withZip([("M.mlpackage/Manifest.json", Array("{}".utf8)), ("M.mlpackage/Data/x.bin", [1, 2, 3])]) { zip, out in
            try PackageZip.extract(zip, to: out, limits: BridgeLimits())
            XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("Data/x.bin")), Data([1, 2, 3]))
            XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("Manifest.json")), Data("{}".utf8))
        }
    }

    func testZipRefusesTraversalAndEntriesOutsideTheRoot() throws {
        for bad in ["M.mlpackage/../../evil", "/abs", "M.mlpackage/a\\b"] {
            try withZip([("M.mlpackage/Manifest.json", [1]), (bad, [2])]) { zip, out in
                XCTAssertThrowsError(try PackageZip.extract(zip, to: out, limits: BridgeLimits())) { e in
                    XCTAssertEqual((e as? BridgeError)?.code, .unsafePath, bad)
                }
            }
        }
        try withZip([("M.mlpackage/Manifest.json", [1]), ("Other/x", [2])]) { zip, out in
            XCTAssertThrowsError(try PackageZip.extract(zip, to: out, limits: BridgeLimits())) { e in XCTAssertEqual((e as? BridgeError)?.code, .unsafePath) }
        }
        var limits = BridgeLimits()
        limits.maxFiles = 1
        try withZip([("Manifest.json", [1]), ("a", [2])]) { zip, out in
            XCTAssertThrowsError(try PackageZip.extract(zip, to: out, limits: limits)) { e in XCTAssertEqual((e as? BridgeError)?.code, .invalidPackage) }
        }
    }

    func testHostUploadRoutes() async throws {
        var limits = BridgeLimits()
        limits.maxChunkBytes = 8
        let host = try BridgeHost(configuration: BridgeConfiguration(allowedOrigins: ["https://app.example"], limits: limits))
        func post(_ path: String, _ body: Data, origin: String? = "https://app.example", query: [String: String] = [:]) async throws -> (Int, [String: Any]) {
            let r = await host.handle(BridgeRequest(method: "POST", path: path, query: query, origin: origin, body: body))
            return (r.status, try JSONSerialization.jsonObject(with: r.body) as? [String: Any] ?? [:])
        }
        func code(_ r: (Int, [String: Any])) -> String? { (r.1["error"] as? [String: Any])?["code"] as? String }
        // (XCTAssert's arguments are not async: results are awaited first.)
        let evil = try await post("/v1/info", Data(), origin: "https://evil.example")
        XCTAssertEqual(code(evil), "origin-not-allowed")
        let v2 = try await post("/v2/info", Data())
        XCTAssertEqual(code(v2), "unsupported-version")
        let info = try await post("/v1/info", Data())
        XCTAssertEqual(info.1["protocol"] as? String, "webnn-coreml-bridge")
        let begin = try await post("/v1/uploads", Data(#"{"name":"M","format":"files","size":3,"files":[{"path":"Manifest.json","size":3}]}"#.utf8))
        let id = try XCTUnwrap(begin.1["uploadId"] as? String)
        let badOffset = try await post("/v1/uploads/\(id)/chunk", Data([1]), query: ["offset": "2"])
        XCTAssertEqual(code(badOffset), "bad-offset")
        let tooLarge = try await post("/v1/uploads/\(id)/chunk", Data(count: 9), query: ["offset": "0"])
        XCTAssertEqual(code(tooLarge), "chunk-too-large")
        let chunk = try await post("/v1/uploads/\(id)/chunk", Data([1, 2, 3]), query: ["offset": "0"])
        XCTAssertEqual(chunk.1["received"] as? Int, 3)
        let unsafe = try await post("/v1/uploads", Data(#"{"name":"M","format":"files","size":3,"files":[{"path":"../x","size":3}]}"#.utf8))
        XCTAssertEqual(code(unsafe), "unsafe-path")
        let cancel = try await post("/v1/uploads/\(id)/cancel", Data())
        XCTAssertEqual(cancel.0, 200)
        let state = await host.state()
        XCTAssertEqual(state.uploads, 0)
        XCTAssertEqual(state.files, [])
        await host.shutdown()
        XCTAssertFalse(FileManager.default.fileExists(atPath: host.folderURL.path))
    }
}
