import ArgumentParser
import FedgeCombiner
import FedgeCore
import FedgeDaemonOptions
import FedgeRPC
import FedgeServerKit
import Foundation
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle
import UnixSignals

/// glibc's allocator keeps freed large buffers (a model's tensors, a fold's blocks) in per-thread arenas once its
/// dynamic mmap threshold has risen, so a combiner moving many models would hold on to memory it no longer uses. A
/// fixed threshold of 128 KiB makes every larger buffer a mapping of its own, returned to the system when freed;
/// transfer chunks (64 KiB) stay below it and are reused from the arenas. Two arenas are plenty for a daemon whose
/// heavy lifting is I/O.
enum MemoryTuning {
    static func apply() {
        #if os(Linux)
        // <malloc.h>'s M_MMAP_THRESHOLD and M_ARENA_MAX; the header is not part of Swift's Glibc module.
        _ = glibcMallopt(-3, 128 * 1024)
        _ = glibcMallopt(-8, 2)
        #endif
    }
}

#if os(Linux)
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
