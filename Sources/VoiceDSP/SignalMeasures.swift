import RealModule

/// Cheap level measures used by tests, status meters and benchmarks.
public enum SignalMeasures {
    /// Root-mean-square level of 16-bit samples, in dBFS (a full-scale square wave is 0 dBFS).
    /// Silence returns -120.
    public static func rmsDBFS<C: Collection>(_ samples: C) -> Double where C.Element == Int16 {
        guard !samples.isEmpty else { return -120 }
        var sum = 0.0
        for sample in samples {
            let x = Double(sample) / 32768
            sum += x * x
        }
        let rms = (sum / Double(samples.count)).squareRoot()
        return rms > 0 ? max(-120, 20 * Double.log10(rms)) : -120
    }
}
