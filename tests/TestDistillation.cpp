// Knowledge distillation: the loss against hand-computed values, and a real run of a half-width LeNet-5 student
// against the bundled teacher on a Fashion-MNIST subset.

#include "TestSupport.h"

#include "pare/Dataset.h"
#include "pare/Distillation.h"
#include "pare/Error.h"
#include "pare/Model.h"
#include "pare/Runtime.h"

#include <QtTest>

#include <cmath>

using namespace pare;

namespace {

std::vector<double> softmax(const std::vector<float>& logits, double temperature)
{
    std::vector<double> p;
    double sum = 0;
    for (float z : logits)
        sum += std::exp(z / temperature);
    for (float z : logits)
        p.push_back(std::exp(z / temperature) / sum);
    return p;
}

} // namespace

class TestDistillation : public QObject
{
    Q_OBJECT

private slots:
    void lossMatchesHandComputation();
    void gradientMatchesFiniteDifferences();
    void lossLimits();
    void studentLearnsFromTheTeacher();
    void badOptionsAreRejected();
};

void TestDistillation::lossMatchesHandComputation()
{
    const std::vector<std::vector<float>> student = { { 1.0f, 2.0f, 0.5f }, { 0.0f, -1.0f, 3.0f } };
    const std::vector<std::vector<float>> teacher = { { 2.0f, 1.0f, 0.0f }, { 0.5f, 0.5f, 4.0f } };
    const std::vector<int64_t> labels = { 1, 2 };
    const double T = 3.0, alpha = 0.7;
    double kl = 0, ce = 0;
    for (size_t i = 0; i < 2; ++i) {
        const auto pt = softmax(teacher[i], T);
        const auto ps = softmax(student[i], T);
        for (size_t k = 0; k < 3; ++k)
            kl += pt[k] * std::log(pt[k] / ps[k]);
        ce += -std::log(softmax(student[i], 1.0)[size_t(labels[i])]);
    }
    kl /= 2;
    ce /= 2;
    const auto loss = distillationLoss(student, teacher, labels, T, alpha);
    QVERIFY(qAbs(loss.soft - T * T * kl) < 1e-5);
    QVERIFY(qAbs(loss.hard - ce) < 1e-5);
    QVERIFY(qAbs(loss.total - (alpha * T * T * kl + (1 - alpha) * ce)) < 1e-5);
}

void TestDistillation::gradientMatchesFiniteDifferences()
{
    // distill() backpropagates a gradient written out by hand: it must be the derivative of the loss it reports.
    const std::vector<std::vector<float>> teacher = { { 2.0f, 0.5f, -1.0f }, { 0.1f, 0.2f, 3.0f } };
    std::vector<std::vector<float>> student = { { 0.3f, -0.7f, 1.1f }, { 1.5f, 0.0f, -0.4f } };
    const std::vector<int64_t> labels = { 0, 2 };
    const double T = 3.0, alpha = 0.7;
    const auto loss = distillationLoss(student, teacher, labels, T, alpha);
    QCOMPARE(loss.gradient.size(), size_t(2));
    const float h = 1e-2f;
    for (size_t i = 0; i < 2; ++i)
        for (size_t j = 0; j < 3; ++j) {
            auto up = student, down = student;
            up[i][j] += h;
            down[i][j] -= h;
            const double numeric = (distillationLoss(up, teacher, labels, T, alpha).total
                                    - distillationLoss(down, teacher, labels, T, alpha).total)
                / (2.0 * h);
            QVERIFY2(qAbs(numeric - loss.gradient[i][j]) < 1e-3,
                     qPrintable(QString("[%1][%2]: %3 vs %4").arg(i).arg(j).arg(numeric).arg(loss.gradient[i][j])));
        }
}

void TestDistillation::lossLimits()
{
    const std::vector<std::vector<float>> logits = { { 0.3f, -1.2f, 2.0f, 0.0f } };
    const auto same = distillationLoss(logits, logits, { 2 }, 5.0, 0.5);
    QVERIFY(qAbs(same.soft) < 1e-6); // a student that matches the teacher has nothing to learn from it
    const auto hardOnly = distillationLoss(logits, { { 1.0f, 1.0f, 1.0f, 1.0f } }, { 0 }, 2.0, 0.0);
    QVERIFY(qAbs(hardOnly.total - hardOnly.hard) < 1e-6);
    const auto softOnly = distillationLoss(logits, { { 1.0f, 1.0f, 1.0f, 1.0f } }, { 0 }, 2.0, 1.0);
    QVERIFY(qAbs(softOnly.total - softOnly.soft) < 1e-6);
    QVERIFY(softOnly.soft > 0.0);
}

void TestDistillation::studentLearnsFromTheTeacher()
{
    configureThreads();
    DatasetOptions dataOptions;
    dataOptions.trainLimit = 3000;
    dataOptions.testLimit = 1000;
    const auto data = Dataset::load("fashion-mnist", dataOptions);
    const auto teacher = Model::load(bundledModelPath());
    const double teacherBefore = evaluate(teacher, data).accuracy;
    auto student = Model::fromZoo("lenet5@0.5", { 1, 28, 28 }, 10, /*seed=*/1);

    DistillOptions options;
    options.train.epochs = 2;
    const auto result = distill(teacher, student, data, options);
    QCOMPARE(result.lossTerms.size(), size_t(2));
    QVERIFY(result.lossTerms[1].softLoss < result.lossTerms[0].softLoss);
    QVERIFY(result.lossTerms[1].hardLoss < result.lossTerms[0].hardLoss);
    QVERIFY(result.teacherSeconds > 0.0);
    QCOMPARE(result.training.batchesRun, int64_t(2 * 47));
    const double accuracy = evaluate(student, data).accuracy;
    QVERIFY2(accuracy > 0.7, qPrintable(QString::number(accuracy)));
    const double agreement = topOneAgreement(teacher, student, data);
    QVERIFY(agreement > 0.7 && agreement <= 1.0);
    // The teacher is frozen.
    QCOMPARE(evaluate(teacher, data).accuracy, teacherBefore);
    QCOMPARE(topOneAgreement(teacher, teacher, data), 1.0);
}

void TestDistillation::badOptionsAreRejected()
{
    DatasetOptions dataOptions;
    dataOptions.trainLimit = 100;
    dataOptions.testLimit = 100;
    const auto data = Dataset::load("fashion-mnist", dataOptions);
    const auto teacher = Model::fromZoo("lenet300@0.1");
    auto student = Model::fromZoo("lenet300@0.1");
    DistillOptions options;
    options.temperature = 0.5;
    QVERIFY_THROWS_EXCEPTION(InputError, (void)distill(teacher, student, data, options));
    options.temperature = 4.0;
    options.alpha = 1.5;
    QVERIFY_THROWS_EXCEPTION(InputError, (void)distill(teacher, student, data, options));
    auto wrongClasses = Model::fromZoo("lenet300@0.1", { 1, 28, 28 }, 7);
    options.alpha = 0.5;
    QVERIFY_THROWS_EXCEPTION(InputError, (void)distill(teacher, wrongClasses, data, options));
}

QTEST_APPLESS_MAIN(TestDistillation)
#include "TestDistillation.moc"
