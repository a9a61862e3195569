#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A file that could not be read or written, in words a person acts on. Foundation's
/// `localizedDescription` is not in FoundationEssentials, so the common causes are named here.
public enum FileProblem {
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? CocoaError else { return "\(error)" }
        switch error.code {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or directory (check the path)"
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied (check its owner and mode)"
        case .fileWriteOutOfSpace: return "no space left on the device"
        case .fileWriteVolumeReadOnly: return "the file system is read-only"
        case .fileReadInapplicableStringEncoding, .fileReadCorruptFile: return "it is not UTF-8 text (save it as UTF-8)"
        default: return "error \(error.code.rawValue) (check that the path is a file you may use)"
        }
    }
}
