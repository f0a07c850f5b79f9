#include "pare/ui/ModelInputs.h"

#include "pare/Error.h"

#include <QFileInfo>
#include <QSettings>
#include <QUrl>

namespace pare::ui::ModelInputs {
namespace {

/// QSettings reads '/' as nested groups and is picky about other characters: the path goes percent-encoded.
QString keyFor(const QString& modelSpec)
{
    const QFileInfo file(modelSpec);
    const QString path = file.exists() ? file.canonicalFilePath() : file.absoluteFilePath();
    return QStringLiteral("modelInputs/") + QString::fromLatin1(QUrl::toPercentEncoding(path));
}

} // namespace

std::optional<ModelRecord> remembered(const QString& modelSpec)
{
    const auto json = QSettings().value(keyFor(modelSpec)).toString();
    if (json.isEmpty())
        return std::nullopt;
    try {
        return ModelRecord::fromJson(json.toStdString(), "settings");
    } catch (const InputError&) {
        return std::nullopt; // damaged settings: ask again rather than fail
    }
}

void remember(const QString& modelSpec, const ModelRecord& inputs)
{
    QSettings().setValue(keyFor(modelSpec), QString::fromStdString(inputs.toJson()));
}

ModelWithData open(const QString& modelSpec, const QString& dataSpec, DatasetOptions options)
{
    const auto inputs = Model::namesZooModel(modelSpec.toStdString()) ? std::nullopt : remembered(modelSpec);
    return openModelWithData(modelSpec.toStdString(), dataSpec.toStdString(), std::move(options),
                             inputs ? &*inputs : nullptr);
}

} // namespace pare::ui::ModelInputs
