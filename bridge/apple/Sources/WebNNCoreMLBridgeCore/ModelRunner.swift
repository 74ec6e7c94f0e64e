// Core ML side: compile and load a package, then run predictions with WebNN tensors. The
// WebNN ↔ Core ML boundary mapping comes from the model metadata
// (userDefined["com.github.webnn-coreml.io"], docs/data-types.md): inputs are converted from
// their WebNN type to the model's FLOAT32/FLOAT16/INT32 arrays, outputs back (int8/uint8/uint32/
// int64/uint64 from INT32 by keeping the low bits; float16 from FLOAT32 on iOS 15 targets by
// rounding to nearest even), always respecting the MLMultiArray's strides.
import CoreML
import Foundation

public let ioMetadataKey = "com.github.webnn-coreml.io"

/// One model input or output, as the converter's metadata describes it.
public struct IOEntry: Codable, Sendable {
    public var name: String
    public var coremlName: String
    public var dataType: String
    public var shape: [Int]
    public var coremlDataType: String
    public var coremlShape: [Int]
}

extension ComputeUnitsName {
    public var mlComputeUnits: MLComputeUnits {
        switch self {
        case .cpuOnly: return .cpuOnly
        case .cpuAndGPU: return .cpuAndGPU
        case .cpuAndNeuralEngine: return .cpuAndNeuralEngine // iOS 16 / macOS 13
        case .all: return .all
        }
    }
}

/// A loaded model. Predictions run one at a time on the runner's own queue.
public final class ModelRunner: @unchecked Sendable {
    public let model: MLModel
    public let inputs: [IOEntry]
    public let outputs: [IOEntry]
    /// Set for a graph without inputs: an unused float32 [1] model input fed with zero.
    public let placeholderInput: String?
    private let queue = DispatchQueue(label: "webnn-coreml.bridge.predict")

    /// Compiles the `.mlpackage` folder at `package` (MLModel.compileModel(at:), async), moves the
    /// compiled model to `compiledDestination`, and loads it with the given compute units — and,
    /// for a multifunction package, the function named `functionName` (iOS 18 / macOS 15).
    public static func compileAndLoad(package: URL, compiledDestination: URL, computeUnits: ComputeUnitsName, functionName: String? = nil) async throws -> ModelRunner {
        let compiled: URL
        do {
            compiled = try await MLModel.compileModel(at: package)
        } catch {
            throw BridgeError(.compileFailed, "Core ML could not compile the package: \((error as NSError).localizedDescription)")
        }
        // compileModel(at:) leaves the .mlmodelc in a temporary location of its own: move it
        // under our folder, so that unloading deletes it.
        var location = compiled
        do {
            try FileManager.default.moveItem(at: compiled, to: compiledDestination)
            location = compiledDestination
        } catch {
            // Different volumes: load from where it is, and delete it once loaded (below).
        }
        let configuration = MLModelConfiguration()
        configuration.computeUnits = computeUnits.mlComputeUnits
        if let functionName {
            if #available(iOS 18.0, macOS 15.0, *) {
                configuration.functionName = functionName
            } else {
                throw BridgeError(.loadFailed, "loading function \(functionName) of a multifunction package needs iOS 18 or macOS 15")
            }
        }
        let model: MLModel
        do {
            model = try await MLModel.load(contentsOf: location, configuration: configuration)
        } catch {
            throw BridgeError(.loadFailed, "Core ML could not load the model: \((error as NSError).localizedDescription)")
        }
        if location != compiledDestination { try? FileManager.default.removeItem(at: compiled) }
        return try ModelRunner(model: model, functionName: functionName)
    }

    /// `functionName`: the function the model was loaded with; its boundary is read from the
    /// metadata's per-function entries (the top-level entry is the default function's).
    public init(model: MLModel, functionName: String? = nil) throws {
        self.model = model
        let description = model.modelDescription
        let userDefined = description.metadata[MLModelMetadataKey.creatorDefinedKey] as? [String: String] ?? [:]
        if let json = userDefined[ioMetadataKey] {
            struct Boundary: Codable { var inputs: [IOEntry]; var outputs: [IOEntry]; var placeholderInput: String? }
            struct IO: Codable { var inputs: [IOEntry]; var outputs: [IOEntry]; var placeholderInput: String?; var functions: [String: Boundary]? }
            guard let all = try? JSONDecoder().decode(IO.self, from: Data(json.utf8)) else {
                throw BridgeError(.compileFailed, "metadata \(ioMetadataKey) is not valid JSON")
            }
            var io = Boundary(inputs: all.inputs, outputs: all.outputs, placeholderInput: all.placeholderInput)
            if let functionName, let functions = all.functions {
                guard let b = functions[functionName] else { throw BridgeError(.loadFailed, "the package has no function \(functionName)") }
                io = b
            }
            inputs = io.inputs
            outputs = io.outputs
            placeholderInput = io.placeholderInput
        } else {
            // Not converted by webnn-coreml: the features as they are, by name.
            func entries(_ features: [String: MLFeatureDescription]) throws -> [IOEntry] {
                try features.keys.sorted().map { name in
                    guard let c = features[name]?.multiArrayConstraint else { throw BridgeError(.compileFailed, "feature \(name) is not a multi-array") }
                    let dt: String
                    switch c.dataType {
                    case .float32: dt = "float32"
                    case .float16: dt = "float16"
                    case .int32: dt = "int32"
                    default: throw BridgeError(.compileFailed, "feature \(name) has an unsupported array type")
                    }
                    let shape = c.shape.map(\.intValue)
                    return IOEntry(name: name, coremlName: name, dataType: dt, shape: shape, coremlDataType: dt, coremlShape: shape)
                }
            }
            inputs = try entries(description.inputDescriptionsByName)
            outputs = try entries(description.outputDescriptionsByName)
            placeholderInput = nil
        }
    }

    public func predict(_ tensors: [WireTensor]) async throws -> [WireTensor] {
        try await withCheckedThrowingContinuation { (k: CheckedContinuation<[WireTensor], Error>) in
            queue.async {
                k.resume(with: Result { try self.predictNow(tensors) })
            }
        }
    }

    /// Checks the inputs against the model (names, WebNN data types, shapes), runs it, converts the outputs.
    public func predictNow(_ tensors: [WireTensor]) throws -> [WireTensor] {
        var byName: [String: WireTensor] = [:]
        for t in tensors { byName[t.name] = t }
        var features: [String: Any] = [:]
        for e in inputs {
            guard let t = byName.removeValue(forKey: e.name) else { throw BridgeError(.invalidInput, "missing input \"\(e.name)\"") }
            guard t.dataType.rawValue == e.dataType else { throw BridgeError(.invalidInput, "input \"\(e.name)\": expected \(e.dataType), got \(t.dataType.rawValue)") }
            guard t.shape == e.shape else { throw BridgeError(.invalidInput, "input \"\(e.name)\": expected shape \(e.shape), got \(t.shape)") }
            guard t.data.count == t.count * t.dataType.size else { throw BridgeError(.invalidInput, "input \"\(e.name)\": \(t.data.count) bytes") }
            features[e.coremlName] = MLFeatureValue(multiArray: try Self.multiArray(t, e))
        }
        if let extra = byName.keys.sorted().first { throw BridgeError(.invalidInput, "unknown input \"\(extra)\"") }
        if let name = placeholderInput {
            // A graph without inputs: Core ML needs one, the converter added this unused float32 [1].
            let zero = try MLMultiArray(shape: [1], dataType: .float32)
            zero[0] = 0
            features[name] = MLFeatureValue(multiArray: zero)
        }
        let result: MLFeatureProvider
        do {
            let provider = try MLDictionaryFeatureProvider(dictionary: features)
            result = try model.prediction(from: provider)
        } catch {
            throw BridgeError(.predictionFailed, "Core ML prediction failed: \((error as NSError).localizedDescription)")
        }
        return try outputs.map { e -> WireTensor in
            guard let array = result.featureValue(for: e.coremlName)?.multiArrayValue else {
                throw BridgeError(.predictionFailed, "the model gave no array for output \(e.coremlName)")
            }
            guard let dt = WireDataType(rawValue: e.dataType) else { throw BridgeError(.predictionFailed, "output \(e.name): unsupported type \(e.dataType)") }
            return try Self.wireTensor(array, e, dt)
        }
    }

    // ------------------------------------------------------------------ conversions

    /// A value on its way across the boundary: integers keep their bits, halves their pattern.
    enum Scalar {
        case int(Int64)
        case float(Double)
        case half(UInt16)
    }

    static func arrayType(_ name: String) throws -> MLMultiArrayDataType {
        switch name {
        case "float32": return .float32
        case "float16": return .float16 // iOS 16 / macOS 12
        case "int32": return .int32
        default: throw BridgeError(.predictionFailed, "unsupported Core ML array type \(name)")
        }
    }

    static func byteSize(_ t: MLMultiArrayDataType) throws -> Int {
        switch t {
        case .float32, .int32: return 4
        case .float16: return 2
        case .double: return 8
        default: throw BridgeError(.predictionFailed, "unsupported MLMultiArray data type \(t.rawValue)")
        }
    }

    /// Calls `body(linearIndex, elementOffset)` for every element in row-major order.
    static func forEachElement(shape: [Int], strides: [Int], _ body: (Int, Int) throws -> Void) rethrows {
        let count = shape.reduce(1, *)
        if count == 0 { return }
        var index = [Int](repeating: 0, count: shape.count)
        var offset = 0
        for i in 0..<count {
            try body(i, offset)
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                offset += strides[d]
                if index[d] < shape[d] { break }
                offset -= strides[d] * shape[d]
                index[d] = 0
                d -= 1
            }
        }
    }

    static func readWire(_ p: UnsafeRawBufferPointer, _ i: Int, _ t: WireDataType) -> Scalar {
        let at = i * t.size
        switch t {
        case .float32: return .float(Double(Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self)))))
        case .float16: return .half(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
        case .int32: return .int(Int64(Int32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: Int32.self))))
        case .uint32: return .int(Int64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self))))
        case .int8: return .int(Int64(p.loadUnaligned(fromByteOffset: at, as: Int8.self)))
        case .uint8: return .int(Int64(p.loadUnaligned(fromByteOffset: at, as: UInt8.self)))
        case .int64: return .int(Int64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: Int64.self)))
        case .uint64: return .int(Int64(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt64.self))))
        }
    }

    static func writeWire(_ p: UnsafeMutableRawBufferPointer, _ i: Int, _ t: WireDataType, _ s: Scalar) {
        let at = i * t.size
        switch t {
        case .float32:
            let f: Float
            switch s {
            case .float(let d): f = Float(d)
            case .half(let h): f = Half.value(h)
            case .int(let n): f = Float(n)
            }
            p.storeBytes(of: f.bitPattern.littleEndian, toByteOffset: at, as: UInt32.self)
        case .float16:
            let h: UInt16
            switch s {
            case .half(let x): h = x
            case .float(let d): h = Half.bits(d)
            case .int(let n): h = Half.bits(Double(n))
            }
            p.storeBytes(of: h.littleEndian, toByteOffset: at, as: UInt16.self)
        case .int32, .uint32, .int8, .uint8, .int64, .uint64:
            let n: Int64
            switch s {
            case .int(let x): n = x
            case .float(let d): n = d.isFinite ? Int64(d.rounded(.towardZero).clamped(-9.2e18, 9.2e18)) : 0
            case .half(let h): n = Int64(Double(Half.value(h)).rounded(.towardZero).clamped(-70000, 70000))
            }
            switch t {
            case .int32, .uint32: p.storeBytes(of: UInt32(truncatingIfNeeded: n).littleEndian, toByteOffset: at, as: UInt32.self)
            case .int8, .uint8: p.storeBytes(of: UInt8(truncatingIfNeeded: n), toByteOffset: at, as: UInt8.self)
            default: p.storeBytes(of: UInt64(bitPattern: n).littleEndian, toByteOffset: at, as: UInt64.self)
            }
        }
    }

    static func readArray(_ p: UnsafeMutableRawBufferPointer, _ offset: Int, _ t: MLMultiArrayDataType) -> Scalar {
        switch t {
        case .float16: return .half(p.loadUnaligned(fromByteOffset: offset * 2, as: UInt16.self))
        case .int32: return .int(Int64(p.loadUnaligned(fromByteOffset: offset * 4, as: Int32.self)))
        case .double: return .float(p.loadUnaligned(fromByteOffset: offset * 8, as: Double.self))
        default: return .float(Double(p.loadUnaligned(fromByteOffset: offset * 4, as: Float.self)))
        }
    }

    static func writeArray(_ p: UnsafeMutableRawBufferPointer, _ offset: Int, _ t: MLMultiArrayDataType, _ s: Scalar) {
        switch t {
        case .float16:
            let h: UInt16
            switch s {
            case .half(let x): h = x
            case .float(let d): h = Half.bits(d)
            case .int(let n): h = Half.bits(Double(n))
            }
            p.storeBytes(of: h, toByteOffset: offset * 2, as: UInt16.self)
        case .int32:
            let n: Int32
            switch s {
            case .int(let x): n = Int32(truncatingIfNeeded: x) // int64/uint64/uint32: the low 32 bits
            case .float(let d): n = d.isFinite ? Int32(truncatingIfNeeded: Int64(d.rounded(.towardZero).clamped(-9.2e18, 9.2e18))) : 0
            case .half(let h): n = Int32(Double(Half.value(h)).rounded(.towardZero).clamped(-70000, 70000))
            }
            p.storeBytes(of: n, toByteOffset: offset * 4, as: Int32.self)
        default: // float32
            let f: Float
            switch s {
            case .float(let d): f = Float(d)
            case .half(let h): f = Half.value(h) // float16 WebNN input, FLOAT32 boundary (iOS 15 targets): exact
            case .int(let n): f = Float(n)
            }
            p.storeBytes(of: f, toByteOffset: offset * 4, as: Float.self)
        }
    }

    /// A new MLMultiArray of the entry's Core ML type and shape holding the tensor's values.
    static func multiArray(_ t: WireTensor, _ e: IOEntry) throws -> MLMultiArray {
        let type = try arrayType(e.coremlDataType)
        let array: MLMultiArray
        do {
            array = try MLMultiArray(shape: e.coremlShape.map { NSNumber(value: $0) }, dataType: type)
        } catch {
            throw BridgeError(.predictionFailed, "cannot allocate input \(e.name): \((error as NSError).localizedDescription)")
        }
        let shape = e.coremlShape
        t.data.withUnsafeBytes { src in
            array.withUnsafeMutableBytes { dst, strides in
                forEachElement(shape: shape, strides: strides) { i, offset in
                    writeArray(dst, offset, type, readWire(src, i, t.dataType))
                }
            }
        }
        return array
    }

    /// The output array's values as a WebNN tensor of the entry's WebNN type and shape.
    static func wireTensor(_ array: MLMultiArray, _ e: IOEntry, _ dt: WireDataType) throws -> WireTensor {
        let type = array.dataType
        _ = try byteSize(type)
        let shape = array.shape.map(\.intValue)
        let count = shape.reduce(1, *)
        guard count == e.shape.reduce(1, *) else {
            throw BridgeError(.predictionFailed, "output \(e.name): \(count) elements, expected shape \(e.shape)")
        }
        var data = Data(count: count * dt.size)
        data.withUnsafeMutableBytes { dst in
            // withUnsafeMutableBytes gives the strides that hold for this buffer (they may differ from `strides`).
            array.withUnsafeMutableBytes { src, strides in
                forEachElement(shape: shape, strides: strides) { i, offset in
                    writeWire(dst, i, dt, readArray(src, offset, type))
                }
            }
        }
        return WireTensor(name: e.name, dataType: dt, shape: e.shape, data: data)
    }
}

extension Double {
    fileprivate func clamped(_ lo: Double, _ hi: Double) -> Double { Swift.min(Swift.max(self, lo), hi) }
}
