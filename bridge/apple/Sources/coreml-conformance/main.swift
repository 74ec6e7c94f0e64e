// coreml-conformance: runs the packages written by `npm run conformance -- --emit DIR` through
// real Core ML and compares the outputs with WPT's expected values under WPT's tolerances.
//
//   swift run -c release coreml-conformance DIR [--compute-units cpuOnly|cpuAndGPU|cpuAndNeuralEngine|all] [--filter TEXT]
//
// Layout (src/node/conformance-cli.ts): DIR/<operator>/<case>.mlpackage.zip, with
// <case>.inputs.json ({name: {dataType, shape, data}}, as tensorsToJson writes it) and
// <case>.expected.json ({tolerance: {metric: "ULP"|"ATOL", value}, outputs: {name: {data, descriptor}}}).
// The comparison is compareOutput of src/conformance/wpt-case.ts, rule for rule. Ends with
// "N passed, N failed"; exits 1 when a case failed.
import CoreML
import Foundation
import WebNNCoreMLBridgeCore

struct Failure: Error { let message: String }

// ---------------------------------------------------------------------- JSON values

/// A WPT/JSON number: a number, "NaN", "Infinity", "-Infinity", a decimal string, or a bigint "123n".
/// In inputs.json an integer string without "n" is exact too (tensorsToJson writes unsafe int64 so);
/// in expected.json only "123n" is a bigint (wptNumber), other strings are numbers.
enum JSONValue {
    case number(Double)
    case integer(String) // exact integer text

    init(_ any: Any, bigintNeedsSuffix: Bool = false) throws {
        if let n = any as? NSNumber, CFGetTypeID(n) != CFBooleanGetTypeID() { self = .number(n.doubleValue); return }
        guard let s = any as? String else { throw Failure(message: "not a number: \(any)") }
        switch s {
        case "NaN": self = .number(.nan)
        case "Infinity": self = .number(.infinity)
        case "-Infinity": self = .number(-.infinity)
        default:
            let digits = s.hasSuffix("n") ? String(s.dropLast()) : s
            if (s.hasSuffix("n") || !bigintNeedsSuffix), digits.range(of: #"^-?\d+$"#, options: .regularExpression) != nil { self = .integer(digits); return }
            guard let d = Double(s) else { throw Failure(message: "not a number: \(s)") }
            self = .number(d)
        }
    }

    var double: Double {
        switch self {
        case .number(let d): return d
        case .integer(let s): return Double(s) ?? .nan
        }
    }

    var isBigInt: Bool { if case .integer = self { return true } else { return false } }
}

func values(_ data: Any?, expected: Bool = false) throws -> [JSONValue] {
    if let list = data as? [Any] { return try list.map { try JSONValue($0, bigintNeedsSuffix: expected) } }
    guard let one = data else { throw Failure(message: "no data") }
    return [try JSONValue(one, bigintNeedsSuffix: expected)]
}

func readJSON(_ url: URL) throws -> [String: Any] {
    guard let o = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else { throw Failure(message: "\(url.lastPathComponent) is not a JSON object") }
    return o
}

/// An input tensor from inputs.json (float16 values are rounded to the nearest half, a single value fills the shape).
func inputTensor(_ name: String, _ json: [String: Any]) throws -> WireTensor {
    guard let dt = (json["dataType"] as? String).flatMap(WireDataType.init(rawValue:)), let shape = json["shape"] as? [Int] else {
        throw Failure(message: "input \(name): bad dataType or shape")
    }
    let count = shape.reduce(1, *)
    var v = try values(json["data"])
    if v.count == 1 && count != 1 { v = Array(repeating: v[0], count: count) }
    guard v.count == count else { throw Failure(message: "input \(name): \(v.count) values for shape \(shape)") }
    var data = Data(count: count * dt.size)
    data.withUnsafeMutableBytes { p in
        for (i, x) in v.enumerated() {
            let at = i * dt.size
            let int: Int64 = {
                if case .integer(let s) = x { return Int64(s) ?? Int64(bitPattern: UInt64(s) ?? 0) }
                let d = x.double // a JS typed-array store truncates toward zero, then wraps
                return d.isFinite && abs(d) < 9.2e18 ? Int64(d) : 0
            }()
            switch dt {
            case .float32: p.storeBytes(of: Float(x.double).bitPattern.littleEndian, toByteOffset: at, as: UInt32.self)
            case .float16: p.storeBytes(of: Half.bits(x.double).littleEndian, toByteOffset: at, as: UInt16.self)
            case .int32, .uint32: p.storeBytes(of: UInt32(truncatingIfNeeded: int).littleEndian, toByteOffset: at, as: UInt32.self)
            case .int8, .uint8: p.storeBytes(of: UInt8(truncatingIfNeeded: int), toByteOffset: at, as: UInt8.self)
            case .int64, .uint64: p.storeBytes(of: UInt64(bitPattern: int).littleEndian, toByteOffset: at, as: UInt64.self)
            }
        }
    }
    return WireTensor(name: name, dataType: dt, shape: shape, data: data)
}

// ---------------------------------------------------------------------- WPT comparison

enum Actual {
    case float(Double)
    case signed(Int64)
    case unsigned(UInt64)
}

func actualValues(_ t: WireTensor) -> [Actual] {
    t.data.withUnsafeBytes { p in
        (0..<t.count).map { i -> Actual in
            let at = i * t.dataType.size
            switch t.dataType {
            case .float32: return .float(Double(Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self)))))
            case .float16: return .float(Double(Half.value(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt16.self)))))
            case .int32: return .signed(Int64(Int32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: Int32.self))))
            case .uint32: return .signed(Int64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self))))
            case .int8: return .signed(Int64(p.loadUnaligned(fromByteOffset: at, as: Int8.self)))
            case .uint8: return .signed(Int64(p.loadUnaligned(fromByteOffset: at, as: UInt8.self)))
            case .int64: return .signed(Int64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: Int64.self)))
            case .uint64: return .unsigned(UInt64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
            }
        }
    }
}

/// float32 ULP position: IEEE bits on a sign-magnitude linear scale.
func float32Linear(_ x: Double) -> Int64 {
    let b = Float(x).bitPattern
    return b & 0x8000_0000 != 0 ? -Int64(b & 0x7FFF_FFFF) : Int64(b)
}

func ulpDistance(_ a: Double, _ b: Double, _ dt: WireDataType) -> Double {
    if a == b { return 0 }
    if dt == .float16 {
        func norm(_ h: UInt16) -> Int64 { h == 0x8000 ? 0 : Int64(h) }
        return Double(abs(norm(Half.bits(a)) - norm(Half.bits(b))))
    }
    return Double(abs(float32Linear(a) - float32Linear(b)))
}

/// compareOutput (src/conformance/wpt-case.ts): a single expected value is compared with the first 1,000 elements.
func compare(_ actual: WireTensor, expected data: Any?, metric: String, tolerance: Double) throws -> (pass: Bool, worst: Double, detail: String) {
    let single = !(data is [Any])
    let exp = try values(data, expected: true)
    let act = actualValues(actual)
    if !single && exp.count != act.count { return (false, .infinity, "\(act.count) elements, expected \(exp.count)") }
    let n = single ? min(1000, act.count) : exp.count
    let isFloat = actual.dataType == .float32 || actual.dataType == .float16
    var worst = 0.0
    for i in 0..<n {
        let e = single ? exp[0] : exp[i]
        let a = act[i]
        // Integers (bigint expectations, int64/uint64 outputs): exact.
        if e.isBigInt || actual.dataType == .int64 || actual.dataType == .uint64 {
            let same: Bool
            switch (a, e) {
            case (.signed(let x), .integer(let s)): same = Int64(s) == x
            case (.unsigned(let x), .integer(let s)): same = UInt64(s) == x
            case (.signed(let x), .number(let d)): same = Double(x) == d
            case (.unsigned(let x), .number(let d)): same = Double(x) == d
            case (.float(let x), _): same = x == e.double
            }
            if !same { return (false, .infinity, "[\(i)] = \(a), expected \(e)") }
            continue
        }
        let av: Double
        switch a {
        case .float(let x): av = x
        case .signed(let x): av = Double(x)
        case .unsigned(let x): av = Double(x)
        }
        let ev = e.double
        let err: Double
        if ev.isNaN || av.isNaN { err = ev.isNaN && av.isNaN ? 0 : .infinity }
        else if !ev.isFinite || !av.isFinite { err = av == ev ? 0 : .infinity }
        else if !isFloat { err = av == ev ? 0 : .infinity }
        else if metric == "ATOL" { err = abs(av - ev) }
        else { err = ulpDistance(av, actual.dataType == .float16 ? ev : Double(Float(ev)), actual.dataType) }
        worst = max(worst, err)
        if err > tolerance { return (false, worst, "[\(i)] = \(av), expected \(ev) (error \(err) > \(tolerance) \(metric))") }
    }
    return (true, worst, "")
}

// ---------------------------------------------------------------------- one case

func runCase(zip: URL, computeUnits: ComputeUnitsName, scratch: URL) async throws {
    let base = String(zip.lastPathComponent.dropLast(".mlpackage.zip".count))
    let dir = zip.deletingLastPathComponent()
    let inputsJSON = try readJSON(dir.appendingPathComponent("\(base).inputs.json"))
    let expectedJSON = try readJSON(dir.appendingPathComponent("\(base).expected.json"))
    let work = scratch.appendingPathComponent(UUID().uuidString, isDirectory: true)
    defer { try? FileManager.default.removeItem(at: work) }
    var limits = BridgeLimits()
    limits.maxPackageBytes = Int.max / 2
    let package = work.appendingPathComponent("Model.mlpackage", isDirectory: true)
    try PackageZip.extract(zip, to: package, limits: limits)
    let runner = try await ModelRunner.compileAndLoad(
        package: package, compiledDestination: work.appendingPathComponent("Model.mlmodelc", isDirectory: true), computeUnits: computeUnits)
    let inputs = try inputsJSON.keys.sorted().map { name -> WireTensor in
        guard let t = inputsJSON[name] as? [String: Any] else { throw Failure(message: "input \(name) is not an object") }
        return try inputTensor(name, t)
    }
    let outputs = try await runner.predict(inputs)
    guard let tol = expectedJSON["tolerance"] as? [String: Any], let metric = tol["metric"] as? String, let value = (tol["value"] as? NSNumber)?.doubleValue,
          let expected = expectedJSON["outputs"] as? [String: Any] else { throw Failure(message: "\(base).expected.json: no tolerance or outputs") }
    for name in expected.keys.sorted() {
        guard let e = expected[name] as? [String: Any], let descriptor = e["descriptor"] as? [String: Any] else { throw Failure(message: "expected output \(name) is malformed") }
        guard let actual = outputs.first(where: { $0.name == name }) else { throw Failure(message: "no output \(name)") }
        let want = descriptor["dataType"] as? String ?? "?"
        guard actual.dataType.rawValue == want else { throw Failure(message: "output \(name) is \(actual.dataType.rawValue), expected \(want)") }
        let r = try compare(actual, expected: e["data"], metric: metric, tolerance: value)
        if !r.pass { throw Failure(message: "output \(name)\(r.detail)") }
    }
}

// ---------------------------------------------------------------------- main

var arguments = Array(CommandLine.arguments.dropFirst())
var computeUnits = ComputeUnitsName.cpuOnly
var filter: String?
var rootArgument: String?
while !arguments.isEmpty {
    let a = arguments.removeFirst()
    switch a {
    case "--compute-units":
        guard let v = arguments.first.flatMap(ComputeUnitsName.init(rawValue:)) else {
            print("--compute-units takes one of \(ComputeUnitsName.allCases.map(\.rawValue).joined(separator: ", "))"); exit(2)
        }
        computeUnits = v
        arguments.removeFirst()
    case "--filter":
        filter = arguments.isEmpty ? nil : arguments.removeFirst()
    case "-h", "--help":
        print("usage: coreml-conformance DIR [--compute-units cpuOnly|cpuAndGPU|cpuAndNeuralEngine|all] [--filter TEXT]")
        exit(0)
    default:
        rootArgument = a
    }
}
guard let root = rootArgument else {
    print("usage: coreml-conformance DIR [--compute-units cpuOnly|cpuAndGPU|cpuAndNeuralEngine|all] [--filter TEXT]")
    exit(2)
}

let fm = FileManager.default
let rootURL = URL(fileURLWithPath: root, isDirectory: true)
var zips: [URL] = []
for op in ((try? fm.contentsOfDirectory(atPath: rootURL.path)) ?? []).sorted() {
    let opURL = rootURL.appendingPathComponent(op, isDirectory: true)
    for f in ((try? fm.contentsOfDirectory(atPath: opURL.path)) ?? []).sorted() where f.hasSuffix(".mlpackage.zip") {
        let url = opURL.appendingPathComponent(f)
        if let filter, !"\(op)/\(f)".contains(filter) { continue }
        zips.append(url)
    }
}
let scratch = fm.temporaryDirectory.appendingPathComponent("coreml-conformance-\(UUID().uuidString)", isDirectory: true)
try? fm.createDirectory(at: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
var passed = 0
var failed = 0
let started = Date()
for zip in zips {
    let label = "\(zip.deletingLastPathComponent().lastPathComponent)/\(zip.lastPathComponent.dropLast(".mlpackage.zip".count))"
    do {
        try await runCase(zip: zip, computeUnits: computeUnits, scratch: scratch)
        passed += 1
    } catch {
        failed += 1
        let message = (error as? Failure)?.message ?? (error as? BridgeError)?.description ?? "\(error)"
        print("FAIL \(label): \(message)")
    }
}
try? fm.removeItem(at: scratch)
print("coreml-conformance: \(zips.count) cases, compute units \(computeUnits.rawValue), \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
print("\(passed) passed, \(failed) failed")
exit(failed == 0 && !zips.isEmpty ? 0 : 1)
