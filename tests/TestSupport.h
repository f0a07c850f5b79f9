#pragma once

// Helpers shared by the tests: writing small data sets in the formats Pare reads, and running the `pare` binary.

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <vector>

namespace pare::test {

/// Folder of the real Fashion-MNIST files (Debian package dataset-fashion-mnist).
QString fashionMnistDir();

/// 32-bit words in big-endian order, as IDX headers store them.
QByteArray bigEndianWords(const std::vector<uint32_t>& words);

/// Writes an IDX file: big-endian magic, dims, then payload bytes, gzipped when the name ends in .gz.
void writeIdx(const QString& path, uint32_t magic, const std::vector<uint32_t>& dims, const QByteArray& payload);

/// Writes the four IDX files of a small data set in `dir` from the first images of real Fashion-MNIST.
void writeFashionSubset(const QString& dir, int trainCount, int testCount);

/// The first `count` images (784 bytes each) and labels of a real Fashion-MNIST split.
QByteArray fashionImages(bool train, int count);
QByteArray fashionLabels(bool train, int count);

/// Writes a CIFAR-10 batch of `count` records with labels i % classes and pixel value (i * 7 + channel) % 256.
void writeCifarBatch(const QString& path, int count, int classes);

/// Writes `content` to `<dir>/bad-<current data tag><suffix>` and checks that Model::load refuses it with an
/// InputError that starts with that path and mentions `problem`.
void expectModelRefused(const QString& dir, const QString& suffix, const QByteArray& content, const QString& problem);

struct CliRun
{
    int exitCode = -1;
    QString out;
    QString err;
};

/// Runs the built `pare` with `arguments`; fails the test if it does not end within the timeout.
CliRun runPare(const QStringList& arguments, int timeoutMs = 120000);

/// Runs Debian's /usr/bin/python3 (with python3-torch) on a script in tests/; returns its stdout, or nothing
/// (with a warning that carries its stderr) when it fails.
std::optional<QByteArray> runTorchPython(const QStringList& arguments, int timeoutMs = 300000);

/// The PyTorch fixture models (resnet_scripted.pt, mlp_traced.pt) in `dir`, and PyTorch's own accuracy of them on the
/// first 2,000 test images as JSON. CTest makes them once per test run and names their folder in
/// PARE_PYTORCH_FIXTURES, from where they are copied; a test run by hand makes them itself.
std::optional<QByteArray> pytorchModels(const QString& dir);

/// Writes a short PyTorch script to `scriptPath` and runs it with `arguments` (as runTorchPython).
std::optional<QByteArray>
runTorchScript(const QString& scriptPath, const QByteArray& code, const QStringList& arguments = {});

} // namespace pare::test
