#pragma once

// Pare's compact model format. A `.pare` file is a TorchScript archive whose convolution and linear weights are
// stored apart, each in the smallest exact form: a bitmask of its non-zero positions when it is sparse, and its
// non-zero values as k-bit indices into a codebook when it has at most 256 distinct values (fp16 when every value
// is an fp16 number, fp32 otherwise); the whole body is zstd-compressed. Decoding restores every weight bit for bit.
//
//   "PARE" u32 version (1) | u64 body size | zstd(body)
//   body: u32 header size | header JSON | u64 archive size | archive | weight blobs (offsets in the header)

#include "model/ModelImpl.h"

#include <string>

namespace pare::format {

[[nodiscard]] bool looksLikePare(const std::string& path);
[[nodiscard]] std::string encodePare(const Model::Impl& model);
/// Throws InputError naming `path` for anything that is not a valid .pare file.
void decodePare(const std::string& bytes, const std::string& path, Model::Impl& into);

} // namespace pare::format
