// The `pare` command line as scripts use it: every bad input gives exit code 2 and one line on stderr that names
// the file and the problem; outputs are never written over inputs; --json is one object with the contract's fields.

#include "TestSupport.h"

#include "TestConfig.h"
#include "pare/Model.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

class TestCli : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void badInputExitsTwoWithOneLine_data();
    void badInputExitsTwoWithOneLine();
    void trainJsonReportsTheFileItWrote();
    void outputNamesTheLogits();
    void trainRefusesToOverwrite();
    void noOutputReplacesAnInput();
    void pruneJsonIsPlainAboutSizes();
    void distillJsonReportsStudentAndTeacher();
    void compressJsonHasEveryStep();
    void exportLoadsBack();
    void sensitivityWritesCsvAndSuggestsRatios();
    void inspectJson();
    void evalTableOnBundledModel();

private:
    QString path(const QString& name) const { return m_dir.path() + "/" + name; }
    void writeFile(const QString& name, const QByteArray& content);
    QTemporaryDir m_dir;
    QString m_subset; // a small IDX data set from real Fashion-MNIST
};

void TestCli::writeFile(const QString& name, const QByteArray& content)
{
    QFile file(path(name));
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(content);
}

void TestCli::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_subset = path("subset");
    pare::test::writeFashionSubset(m_subset, 640, 200);
    // 4,000 training images: 3.1 MB of 8-bit pixels, more than the bundled model needs (1.7 MB).
    pare::test::writeFashionSubset(path("subset-4000"), 4000, 10);
    QVERIFY(pare::test::runTorchPython({ QStringLiteral(PARE_TESTS_DIR "/fixtures.py"), "bad", m_dir.path() }));

    // Broken variants of the data set, each wrong in one way.
    auto broken = [&](const QString& name, const QString& file, const QByteArray& content) {
        const QString dir = path(name);
        pare::test::writeFashionSubset(dir, 64, 32);
        QFile f(dir + "/" + file);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(content);
    };
    const QByteArray images = pare::test::fashionImages(true, 64);
    broken("magic", "train-images-idx3-ubyte", pare::test::bigEndianWords({ 0x12345678, 64, 28, 28 }) + images);
    broken("counts", "train-labels-idx1-ubyte", pare::test::bigEndianWords({ 0x801, 63 }) + QByteArray(63, 1));
    broken("claims", "train-images-idx3-ubyte", pare::test::bigEndianWords({ 0x803, 600000, 28, 28 }) + images);
    broken("labels", "train-labels-idx1-ubyte", pare::test::bigEndianWords({ 0x801, 64 }) + QByteArray(64, 42));
    QDir().mkpath(path("noimages/cats"));
    writeFile("noimages/cats/cat.png", "not a png");
    writeFile("empty.pt", QByteArray());
    const auto good = QByteArray::fromStdString(pare::Model::fromZoo("lenet5@0.25").serialize());
    writeFile("truncated.pt", good.left(good.size() / 3));
    const auto compact
        = QByteArray::fromStdString(pare::Model::fromZoo("lenet5@0.25").serialize(pare::ModelFormat::Pare));
    writeFile("truncated.pare", compact.left(compact.size() / 2));
    QDir().mkpath(path("folder.pt"));

    auto fewOutputs = pare::Model::fromZoo("lenet300@0.25", { 1, 28, 28 }, 5);
    fewOutputs.save(path("five_outputs.pt").toStdString());
}

void TestCli::badInputExitsTwoWithOneLine_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("culprit"); // the file or option the message must name
    QTest::addColumn<QString>("problem");
    const QString d = m_dir.path() + "/";
    const QString bundled = QString::fromStdString(pare::bundledModelPath());
    QTest::newRow("missing model") << QStringList { "eval", d + "nope.pt", "--data", m_subset } << d + "nope.pt"
                                   << "no such file";
    QTest::newRow("directory as model") << QStringList { "eval", d + "folder.pt", "--data", m_subset }
                                        << d + "folder.pt"
                                        << "is a directory";
    QTest::newRow("empty model") << QStringList { "eval", d + "empty.pt", "--data", m_subset } << d + "empty.pt"
                                 << "empty file";
    QTest::newRow("truncated model") << QStringList { "eval", d + "truncated.pt", "--data", m_subset }
                                     << d + "truncated.pt"
                                     << "truncated";
    QTest::newRow("truncated .pare") << QStringList { "eval", d + "truncated.pare", "--data", m_subset }
                                     << d + "truncated.pare"
                                     << "corrupt";
    QTest::newRow("zip that is not TorchScript")
        << QStringList { "inspect", d + "not_torchscript.zip" } << d + "not_torchscript.zip"
        << "not a TorchScript archive";
    QTest::newRow("pickled state_dict") << QStringList { "eval", d + "state_dict.pt", "--data", m_subset }
                                        << d + "state_dict.pt"
                                        << "torch.jit.save";
    QTest::newRow("legacy pickled state_dict")
        << QStringList { "inspect", d + "state_dict_legacy.pt" } << d + "state_dict_legacy.pt"
        << "pickled";
    QTest::newRow("pickled module") << QStringList { "inspect", d + "pickled_module.pt" } << d + "pickled_module.pt"
                                    << "torch.jit.save";
    QTest::newRow("missing data") << QStringList { "eval", bundled, "--data", d + "nodata" } << d + "nodata"
                                  << "no such file";
    QTest::newRow("data is a file") << QStringList { "eval", bundled, "--data", d + "empty.pt" } << d + "empty.pt"
                                    << "not a directory";
    QTest::newRow("wrong IDX magic") << QStringList { "eval", bundled, "--data", d + "magic" }
                                     << d + "magic/train-images-idx3-ubyte"
                                     << "magic number";
    QTest::newRow("image and label counts disagree")
        << QStringList { "eval", bundled, "--data", d + "counts" } << d + "counts/train-labels-idx1-ubyte"
        << "63 labels for 64 images";
    QTest::newRow("header claims more than the file holds")
        << QStringList { "eval", bundled, "--data", d + "claims" } << d + "claims/train-images-idx3-ubyte"
        << "header claims 600000 images";
    QTest::newRow("labels outside the classes")
        << QStringList { "eval", bundled, "--data", d + "labels" } << d + "labels/train-labels-idx1-ubyte"
        << "outside the class range";
    QTest::newRow("image folder without images")
        << QStringList { "eval", bundled, "--data", d + "noimages" } << d + "noimages"
        << "no decodable image";
    QTest::newRow("outputs do not match classes")
        << QStringList { "eval", d + "five_outputs.pt", "--data", m_subset } << d + "five_outputs.pt"
        << "5 values per sample but the data set has 10 classes";
    QTest::newRow("input shape does not match data")
        << QStringList { "eval", d + "mlp_rgb32.pt", "--data", m_subset } << d + "mlp_rgb32.pt"
        << "does not accept the data's samples of shape [1,28,28]";
    QTest::newRow("unknown architecture")
        << QStringList { "train", "--model", "alexnet", "--data", m_subset, "--out", d + "a.pt" } << "alexnet"
        << "no such file";
    QTest::newRow("bad input shape") << QStringList { "inspect", "lenet5", "--input-shape", "1,28" } << "--input-shape"
                                     << "C,H,W";
    QTest::newRow("unknown option") << QStringList { "eval", bundled, "--data", m_subset, "--colour" } << "--colour"
                                    << "";
    QTest::newRow("missing required option") << QStringList { "eval", bundled } << "--data"
                                             << "required";
    QTest::newRow("no command") << QStringList {} << "subcommand"
                                << "";
    QTest::newRow("unknown pruning method") << QStringList { "prune", bundled,    "--data", m_subset, "--ratio",
                                                             "0.5",   "--method", "random", "--out",  d + "c.pt" }
                                            << "--method"
                                            << "";
    QTest::newRow("pruning ratio of 1") << QStringList { "prune",   bundled, "--data", m_subset,
                                                         "--ratio", "1",     "--out",  d + "c.pt" }
                                        << "--ratio"
                                        << "";
    QTest::newRow("nine quantization bits")
        << QStringList { "quantize", bundled, "--data", m_subset, "--bits", "9", "--out", d + "q.pt" } << "--bits"
        << "";
    writeFile("bad-recipe.json", R"({"version": 1, "steps": [{"prune": {"ration": 0.5}}]})");
    QTest::newRow("misspelt recipe key") << QStringList { "compress", bundled,     "--data",
                                                          m_subset,   "--recipe",  d + "bad-recipe.json",
                                                          "--out",    d + "r.pare" }
                                         << d + "bad-recipe.json"
                                         << "unknown key 'ration'";
    QTest::newRow("recipe and flags") << QStringList { "compress",  bundled,    "--data",
                                                       m_subset,    "--recipe", d + "bad-recipe.json",
                                                       "--bits",    "4",        "--out",
                                                       d + "r.pare" }
                                      << "--bits"
                                      << "excludes";
    QTest::newRow("export over its input")
        << QStringList { "export", bundled, "--out", bundled } << bundled << "is the input model";
    // A recipe's whole numbers are not truncated, and a number past a double's range is bad JSON, not a crash.
    writeFile("fractional-bits.json", R"({"version": 1, "steps": [{"quantize": {"bits": 4.7}}]})");
    writeFile("huge-ratio.json", R"({"version": 1, "steps": [{"prune": {"ratio": 1e400}}]})");
    QTest::newRow("fractional bits in a recipe")
        << QStringList { "compress", bundled,     "--data", m_subset, "--recipe", d + "fractional-bits.json",
                         "--out",    d + "n.pare" }
        << d + "fractional-bits.json"
        << "'bits' must be a whole number";
    QTest::newRow("number out of range in a recipe")
        << QStringList { "compress", bundled,     "--data", m_subset, "--recipe", d + "huge-ratio.json",
                         "--out",    d + "n.pare" }
        << d + "huge-ratio.json"
        << "out of range";
    writeFile("unknown-layer.json",
              R"({"version": 1, "steps": [{"prune": {"ratio": 0.5, "layer_ratios": {"nope": 0.5}}}]})");
    QTest::newRow("unknown layer in a recipe")
        << QStringList { "compress", bundled,      "--data", m_subset, "--recipe", d + "unknown-layer.json",
                         "--out",    d + "n.pare", "--json" }
        << "'nope'"
        << "which the model does not have";
    // Range checks compare, and comparisons with NaN are false: every number must be finite.
    QTest::newRow("nan ratio") << QStringList { "prune",   bundled, "--data", m_subset,
                                                "--ratio", "nan",   "--out",  d + "n.pt" }
                               << "--ratio"
                               << "finite";
    QTest::newRow("nan learning rate") << QStringList { "train", "--model", "lenet5", "--data",  m_subset,
                                                        "--lr",  "nan",     "--out",  d + "n.pt" }
                                       << "--lr"
                                       << "finite";
    QTest::newRow("nan mean") << QStringList { "eval", bundled, "--data", m_subset, "--mean", "nan", "--std", "1" }
                              << "--mean"
                              << "finite";
    // Bounds: a request over the memory budget is refused with what it would need; the echo of a huge number is
    // short.
    QTest::newRow("data over the budget")
        << QStringList { "eval", bundled, "--data", path("subset-4000"), "--memory-budget", "2M" }
        << path("subset-4000") << "over the memory budget of 2.0 MB";
    QTest::newRow("nonsense budget") << QStringList { "eval", bundled, "--data", m_subset, "--memory-budget", "lots" }
                                     << "--memory-budget"
                                     << "1.5G";
    QTest::newRow("zoo width over the budget")
        << QStringList { "eval", "lenet5@64", "--data", m_subset, "--memory-budget", "500M" } << "lenet5@64"
        << "million parameters";
    QTest::newRow("learning rate past a double")
        << QStringList { "train", "--model", "lenet5", "--data", m_subset, "--lr", "1e400", "--out", d + "n.pt" }
        << "--lr"
        << "positive";
    QTest::newRow("empty data") << QStringList { "eval", bundled, "--data", "" } << "--data"
                                << "empty";
    QTest::newRow("negative epochs") << QStringList { "train", "--model",  "lenet5",   "--data", m_subset,
                                                      "--out", d + "b.pt", "--epochs", "-1" }
                                     << "--epochs"
                                     << "";
}

void TestCli::badInputExitsTwoWithOneLine()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, culprit);
    QFETCH(QString, problem);
    const auto run = pare::test::runPare(arguments);
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.out.isEmpty(), qPrintable(run.out));
    const QString line = run.err.trimmed();
    QVERIFY2(!line.isEmpty() && !line.contains('\n'), qPrintable(run.err));
    QVERIFY2(line.contains(culprit), qPrintable(line));
    QVERIFY2(line.contains(problem), qPrintable(line));
}

/// A forward that returns its logits second (after an auxiliary head) or in a dict: --output names them, every step
/// uses them, the files Pare writes keep the choice, and ONNX export, which writes the first output, refuses.
void TestCli::outputNamesTheLogits()
{
    const QString tuple = path("auxiliary_first.pt");
    const QString dict = path("dict_outputs.pt");
    auto run = pare::test::runPare({ "eval", tuple, "--data", m_subset });
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("outputs 3 values per sample"), qPrintable(run.err));
    run = pare::test::runPare({ "eval", tuple, "--data", m_subset, "--output", "1", "--json" });
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    run = pare::test::runPare({ "eval", dict, "--data", m_subset, "--output", "logits" });
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    run = pare::test::runPare({ "eval", dict, "--data", m_subset, "--output", "nope" });
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.trimmed() == "pare: " + dict + ": output 'nope': the model returns 2 outputs (aux, logits)",
             qPrintable(run.err));
    run = pare::test::runPare({ "eval", tuple, "--data", m_subset, "--output", "2" });
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("the model returns 2 outputs"), qPrintable(run.err));

    const QString pruned = path("auxiliary-pruned.pt");
    run = pare::test::runPare({ "prune", tuple, "--data", m_subset, "--output", "1", "--ratio", "0.5",
                                "--finetune-epochs", "0", "--out", pruned, "--force" });
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    run = pare::test::runPare({ "eval", pruned, "--data", m_subset });
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    run = pare::test::runPare({ "export", pruned, "--out", path("auxiliary.onnx"), "--force" });
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("its logits are output '1'"), qPrintable(run.err));
}

void TestCli::trainJsonReportsTheFileItWrote()
{
    const QString out = path("trained.pt");
    const auto run = pare::test::runPare({ "train", "--model", "lenet5@0.5", "--data", m_subset, "--epochs", "1",
                                           "--out", out, "--json", "--threads", "1" });
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const auto json = QJsonDocument::fromJson(run.out.toUtf8()).object();
    for (const char* key : { "accuracy", "loss", "params", "seconds", "images_per_second", "out", "out_bytes" })
        QVERIFY2(json.contains(key), key);
    QCOMPARE(json.value("out").toString(), out);
    QCOMPARE(qint64(json.value("out_bytes").toDouble()), QFileInfo(out).size());
    QCOMPARE(json.value("params").toInt(), 109295);
    QCOMPARE(json.value("images").toInt(), 200);
    QVERIFY(json.value("accuracy").toDouble() > 0.1);
    QVERIFY(json.value("images_per_second").toDouble() > 0);
    // What it wrote evaluates, with its record deciding the input.
    const auto eval = pare::test::runPare({ "eval", out, "--data", m_subset, "--json" });
    QVERIFY2(eval.exitCode == 0, qPrintable(eval.err));
    QCOMPARE(QJsonDocument::fromJson(eval.out.toUtf8()).object().value("accuracy").toDouble(),
             json.value("accuracy").toDouble());
}

void TestCli::trainRefusesToOverwrite()
{
    writeFile("keep.pt", "the user's file");
    auto run = pare::test::runPare(
        { "train", "--model", "lenet300@0.1", "--data", m_subset, "--epochs", "0", "--out", path("keep.pt") });
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(path("keep.pt") + ": already exists"), qPrintable(run.err));
    QFile kept(path("keep.pt"));
    QVERIFY(kept.open(QIODevice::ReadOnly));
    QCOMPARE(kept.readAll(), QByteArray("the user's file"));

    // Not even --force writes over the input model.
    const QString input = path("input.pt");
    pare::Model::fromZoo("lenet300@0.1").save(input.toStdString());
    const QByteArray before = [&] {
        QFile f(input);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }();
    run = pare::test::runPare(
        { "train", "--model", input, "--data", m_subset, "--epochs", "1", "--out", input, "--force" });
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains("input"), qPrintable(run.err));
    QFile after(input);
    QVERIFY(after.open(QIODevice::ReadOnly));
    QCOMPARE(after.readAll(), before);

    run = pare::test::runPare({ "train", "--model", "lenet300@0.1", "--data", m_subset, "--epochs", "0", "--out",
                                path("keep.pt"), "--force" });
    QCOMPARE(run.exitCode, 0);
}

/// Whatever --force says, no output replaces an input of the same command: a data file, the recipe, the model
/// (also through a symbolic link or ".."), nor anything but a regular file.
void TestCli::noOutputReplacesAnInput()
{
    // A copy: were the guard broken, the test must not damage the bundled model.
    const QString model = path("guard-model.pt");
    QVERIFY(QFile::exists(model) || QFile::copy(QString::fromStdString(pare::bundledModelPath()), model));
    const QString data = path("guarded");
    pare::test::writeFashionSubset(data, 64, 32);
    QDir dataDir(data);
    const auto files = dataDir.entryList(QDir::Files);
    QVERIFY(!files.isEmpty());
    QMap<QString, QByteArray> before;
    for (const auto& name : files) {
        QFile f(dataDir.filePath(name));
        QVERIFY(f.open(QIODevice::ReadOnly));
        before[name] = f.readAll();
    }
    const QString labels = dataDir.filePath(files.filter("train-labels").value(0));
    QVERIFY(QFile::exists(labels));
    writeFile("guard-recipe.json", R"({"version": 1, "steps": [{"prune": {"ratio": 0.5}}]})");
    const QString recipe = path("guard-recipe.json");
    const QString link = path("model-link.pt");
    QFile::remove(link);
    QVERIFY(QFile::link(model, link));

    const QList<QStringList> cases {
        { "compress", model, "--data", data, "--prune", "0.5", "--finetune-epochs", "0", "--out", labels, "--force" },
        { "compress", model, "--data", data, "--recipe", recipe, "--out", path("g.pare"), "--save-recipe", recipe,
          "--force" },
        { "sensitivity", model, "--data", data, "--csv", labels, "--force" },
        { "distill", "--teacher", model, "--data", data, "--epochs", "0", "--out", labels, "--force" },
        { "export", link, "--out", model, "--force" },
        { "export", model, "--out", path("../") + QDir(m_dir.path()).dirName() + "/model-link.pt", "--force" },
        { "export", model, "--out", "/dev/null", "--force" },
    };
    for (const auto& arguments : cases) {
        const auto run = pare::test::runPare(arguments);
        QVERIFY2(run.exitCode == 2, qPrintable(arguments.join(' ') + "\n" + run.err));
        QCOMPARE(run.err.count('\n'), 1);
        QVERIFY2(run.err.contains("input of this command") || run.err.contains("not a regular file"),
                 qPrintable(run.err));
    }
    for (const auto& name : files) {
        QFile f(dataDir.filePath(name));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before[name]);
    }
    QFile r(recipe);
    QVERIFY(r.open(QIODevice::ReadOnly));
    QVERIFY(r.readAll().contains("\"ratio\": 0.5"));
    QVERIFY(QFileInfo(link).isSymLink());
}

void TestCli::pruneJsonIsPlainAboutSizes()
{
    const QString out = path("pruned.pt");
    const auto run
        = pare::test::runPare({ "prune", QString::fromStdString(pare::bundledModelPath()), "--data", m_subset,
                                "--ratio", "0.8", "--finetune-epochs", "1", "--out", out, "--json" });
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const auto json = QJsonDocument::fromJson(run.out.toUtf8()).object();
    QCOMPARE(json.value("params").toInt(), 431080);
    // 80% of the 430,500 conv and linear weights are zero; the 580 biases are not pruned.
    QCOMPARE(json.value("nonzero_params").toInt(), 430500 - 344400 + 580);
    QCOMPARE(qint64(json.value("out_bytes").toDouble()), QFileInfo(out).size());
    const auto sizes = json.value("sizes").toObject();
    QCOMPARE(sizes.value("dense_fp32").toInt(), 431080 * 4);
    QCOMPARE(qint64(sizes.value("torchscript").toDouble()), QFileInfo(out).size());
    QVERIFY(json.value("note").toString().contains("as large as the unpruned model"));
    QVERIFY(json.contains("baseline_accuracy"));
    QCOMPARE(json.value("layers").toArray().size(), 4);
}

void TestCli::distillJsonReportsStudentAndTeacher()
{
    const QString out = path("student.pt");
    const auto run
        = pare::test::runPare({ "distill", "--teacher", QString::fromStdString(pare::bundledModelPath()), "--student",
                                "lenet5@0.25", "--data", m_subset, "--epochs", "1", "--out", out, "--json" });
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const auto json = QJsonDocument::fromJson(run.out.toUtf8()).object();
    for (const char* key : { "accuracy", "teacher_accuracy", "teacher_agreement", "params", "teacher_params", "seconds",
                             "teacher_seconds", "epochs", "out_bytes" })
        QVERIFY2(json.contains(key), key);
    QCOMPARE(json.value("teacher_params").toInt(), 431080);
    QVERIFY(json.value("params").toInt() < 431080 / 10);
    const auto epoch = json.value("epochs").toArray().first().toObject();
    QVERIFY(epoch.value("soft_loss").toDouble() > 0.0);
    QVERIFY(epoch.value("hard_loss").toDouble() > 0.0);
    QCOMPARE(qint64(json.value("out_bytes").toDouble()), QFileInfo(out).size());
}

void TestCli::compressJsonHasEveryStep()
{
    const QString out = path("compressed.pare");
    const auto run = pare::test::runPare({ "compress", QString::fromStdString(pare::bundledModelPath()), "--data",
                                           m_subset, "--prune", "0.9", "--finetune-epochs", "1", "--bits", "4",
                                           "--qat-epochs", "0", "--out", out, "--json" });
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const auto json = QJsonDocument::fromJson(run.out.toUtf8()).object();
    for (const char* field : { "accuracy", "baseline_accuracy", "params", "nonzero_params", "sizes", "out", "out_bytes",
                               "latency_ms", "seconds", "steps", "recipe" })
        QVERIFY2(json.contains(field), field);
    const auto steps = json.value("steps").toArray();
    QCOMPARE(steps.size(), 4); // baseline, prune, quantize, evaluate
    QCOMPARE(steps[1].toObject().value("step").toString(), QString("prune"));
    // A .pare output is the size the final snapshot reports, and that is the file on disk.
    QCOMPARE(qint64(json.value("out_bytes").toDouble()), QFileInfo(out).size());
    QCOMPARE(qint64(json.value("sizes").toObject().value("pare").toDouble()), QFileInfo(out).size());
    QVERIFY(QFileInfo(out).size() * 20 < 431080 * 4);
    QVERIFY(!json.contains("note"));
    // And it loads back with the accuracy the run reported.
    const auto eval = pare::test::runPare({ "eval", out, "--data", m_subset, "--json" });
    QVERIFY2(eval.exitCode == 0, qPrintable(eval.err));
    QCOMPARE(QJsonDocument::fromJson(eval.out.toUtf8()).object().value("accuracy").toDouble(),
             json.value("accuracy").toDouble());
}

void TestCli::exportLoadsBack()
{
    const QString pare = path("exported.pare");
    auto run
        = pare::test::runPare({ "export", QString::fromStdString(pare::bundledModelPath()), "--out", pare, "--json" });
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    auto json = QJsonDocument::fromJson(run.out.toUtf8()).object();
    QCOMPARE(qint64(json.value("out_bytes").toDouble()), QFileInfo(pare).size());
    QCOMPARE(json.value("params").toInt(), 431080);
    // Back to TorchScript: the same predictions as the bundled file.
    const QString pt = path("exported.pt");
    run = pare::test::runPare({ "export", pare, "--out", pt });
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const auto a = pare::test::runPare({ "eval", pt, "--data", m_subset, "--json" });
    const auto b = pare::test::runPare(
        { "eval", QString::fromStdString(pare::bundledModelPath()), "--data", m_subset, "--json" });
    QCOMPARE(QJsonDocument::fromJson(a.out.toUtf8()).object().value("accuracy").toDouble(),
             QJsonDocument::fromJson(b.out.toUtf8()).object().value("accuracy").toDouble());
}

void TestCli::sensitivityWritesCsvAndSuggestsRatios()
{
    const QString csv = path("sensitivity.csv");
    const auto run = pare::test::runPare({ "sensitivity", QString::fromStdString(pare::bundledModelPath()), "--data",
                                           m_subset, "--csv", csv, "--target", "0.8", "--json" });
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    const auto json = QJsonDocument::fromJson(run.out.toUtf8()).object();
    QCOMPARE(json.value("layers").toArray().size(), 4);
    QCOMPARE(json.value("layers").toArray()[0].toObject().value("prune_accuracy").toArray().size(), 10);
    QCOMPARE(json.value("layers").toArray()[0].toObject().value("quantize_accuracy").toArray().size(), 5);
    const auto ratios = json.value("allocation").toObject().value("ratios").toObject();
    QCOMPARE(ratios.size(), 4);
    double removed = 0;
    for (const auto& layer :
         { std::pair<const char*, double> { "conv1", 500 }, { "conv2", 25000 }, { "fc1", 400000 }, { "fc2", 5000 } })
        removed += ratios.value(layer.first).toDouble() * layer.second;
    QVERIFY(std::abs(removed / 430500 - 0.8) < 1e-6);
    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(file.readAll()).trimmed().split('\n').size(), 1 + 4 * (10 + 5));
}

void TestCli::inspectJson()
{
    const auto run = pare::test::runPare({ "inspect", "lenet5", "--json" });
    QCOMPARE(run.exitCode, 0);
    const auto json = QJsonDocument::fromJson(run.out.toUtf8()).object();
    QCOMPARE(json.value("params").toInt(), 431080);
    QCOMPARE(json.value("bytes").toInt(), 1724320);
    QCOMPARE(json.value("macs").toInt(), 2293000);
    QCOMPARE(json.value("layers").toArray().size(), 4);
}

void TestCli::evalTableOnBundledModel()
{
    const auto run
        = pare::test::runPare({ "eval", QString::fromStdString(pare::bundledModelPath()), "--data", m_subset });
    QVERIFY2(run.exitCode == 0, qPrintable(run.err));
    for (const char* column : { "accuracy", "params", "size on disk", "latency b1", "latency b256", "class" })
        QVERIFY2(run.out.contains(column), column);
    QVERIFY(run.out.contains("431,080"));
}

QTEST_APPLESS_MAIN(TestCli)
#include "TestCli.moc"
