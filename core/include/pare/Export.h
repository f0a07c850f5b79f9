#pragma once

#include "pare/Model.h"
#include "pare/Onnx.h"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace pare {

class Dataset;

/// An export whose check disagrees with LibTorch: a fault of Pare's, not of the user's input (the command line exits
/// with 1, not 2). Nothing was written.
class ExportMismatch : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

struct ExportOptions
{
    bool overwrite = false;
    /// ONNX: check on this data set's test split instead of random inputs of the model's record shape.
    const Dataset* data = nullptr;
    /// With `data`: how many test images the check runs (0: all).
    int64_t checkImages = 0;
};

struct ExportReport
{
    std::string path;
    ModelFormat format = ModelFormat::TorchScript;
    int64_t bytes = 0; ///< of the file written
    /// ONNX: how OpenCV DNN agreed with LibTorch.
    std::optional<OnnxCheck> onnxCheck;
    /// TorchScript and .pare: what the file loaded back as.
    int64_t reloadedParameters = 0;
    int64_t reloadedNonzeroParameters = 0;
    int64_t reloadedInt8Operations = 0;
    /// One line saying how the file was checked, for people.
    std::string verified;
    /// What this format does not make smaller (zeros and k-bit weights stored dense), or which module it holds;
    /// empty when there is nothing to say.
    std::string note;
};

/// Writes `model` in the format `path` names and checks it before anything reaches `path`: an ONNX graph runs in
/// OpenCV's DNN module beside LibTorch (an independent runtime); TorchScript and .pare are loaded back from a
/// temporary file in the same folder, which is then renamed into place (atomic). Throws InputError when the model
/// cannot be written in that format (an operation the ONNX exporter does not cover, an existing file without
/// overwrite) and ExportMismatch when the check disagrees; in both cases nothing is left on disk.
[[nodiscard]] ExportReport exportModel(const Model& model, const std::string& path, const ExportOptions& options = {});

} // namespace pare
