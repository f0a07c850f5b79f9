// Export with verification, for the command line and the studio alike: nothing reaches the destination before it
// has been checked, and a failed check leaves nothing on disk.

#include "io/Files.h"

#include "pare/Error.h"
#include "pare/Export.h"
#include "pare/Quantization.h"

#include <cstdio>
#include <iomanip>
#include <sstream>

namespace pare {
namespace {

std::string withThousands(int64_t value)
{
    std::string digits = std::to_string(value < 0 ? -value : value);
    for (int i = int(digits.size()) - 3; i > 0; i -= 3)
        digits.insert(size_t(i), ",");
    return (value < 0 ? "-" : "") + digits;
}

std::string onnxVerified(const OnnxCheck& check, bool onData)
{
    std::ostringstream line;
    line << (check.evaluator == OnnxEvaluator::OpenCv
                 ? "run in OpenCV DNN on "
                 : "run in Pare's reference ONNX evaluator (OpenCV DNN 4.6 cannot run "
                   "this graph) on ")
         << check.images << (onData ? " test images" : " random inputs") << ": same top-1 on " << check.sameTopOne
         << ", largest logit difference " << std::fixed << std::setprecision(6) << check.maxAbsLogitDifference;
    return line.str();
}

std::string noteFor(const Model& model, ModelFormat format)
{
    const auto& engine = model.record().int8Engine;
    if (engine && format == ModelFormat::TorchScript)
        return std::string("this file holds the int8 module: qint8 weights packed for ") + optionName(*engine);
    if (model.nonzeroParameterCount() < model.parameterCount() && format != ModelFormat::Pare)
        return "this format stores dense fp32 tensors: zeros cost 4 bytes each in this file; .pare stores only the "
               "non-zero weights";
    return {};
}

} // namespace

ExportReport exportModel(const Model& model, const std::string& path, const ExportOptions& options)
{
    if (files::sameFile(path, model.origin()))
        throw inputError(path, "is the model's own input file; choose another output");
    ExportReport report;
    report.path = path;
    report.format = Model::formatForPath(path);
    report.note = noteFor(model, report.format);
    const std::string bytes = model.serialize(report.format); // InputError for an operation ONNX does not cover

    if (report.format == ModelFormat::Onnx) {
        // Not read back through Pare's own ONNX import, which would check Pare against itself: OpenCV's DNN module, an
        // independent runtime, runs the bytes before they are written, so a file that disagrees never reaches the
        // disk.
        const auto check = options.data ? checkOnnxWithOpenCv(bytes, model, *options.data, options.checkImages)
                                        : checkOnnxWithOpenCvOnRandomInputs(bytes, model);
        report.onnxCheck = check;
        report.verified = onnxVerified(check, options.data != nullptr);
        if (check.images - check.sameTopOne > check.nearTieDifferences)
            throw ExportMismatch(path + ": the ONNX export disagrees with LibTorch beyond near-ties (" + report.verified
                                 + "); nothing was written");
        report.bytes = files::writeAtomically(path, bytes, options.overwrite);
        return report;
    }
    // TorchScript and .pare load back from the temporary file before it is renamed into place.
    report.bytes = files::writeAtomically(path, bytes, options.overwrite, [&](const std::string& temporary) {
        const auto reloaded = Model::load(temporary);
        report.reloadedParameters = reloaded.parameterCount();
        report.reloadedNonzeroParameters = reloaded.nonzeroParameterCount();
        report.reloadedInt8Operations = static_cast<int64_t>(int8Operations(reloaded).size());
    });
    const auto& engine = model.record().int8Engine;
    report.verified = engine && report.format == ModelFormat::TorchScript
        ? "loaded back: " + std::to_string(report.reloadedInt8Operations) + " int8 operations on " + optionName(*engine)
        : "loaded back: " + withThousands(report.reloadedParameters) + " parameters";
    return report;
}

} // namespace pare
