#include "Format.h"

#include <algorithm>
#include <cstdio>
#include <ostream>

namespace pare::cli {

std::string withThousands(int64_t value)
{
    std::string digits = std::to_string(value < 0 ? -value : value);
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
        digits.insert(static_cast<size_t>(i), ",");
    return value < 0 ? "-" + digits : digits;
}

std::string fixed(double value, int decimals)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

std::string humanBytes(int64_t bytes)
{
    if (bytes < 1024)
        return std::to_string(bytes) + " B";
    if (bytes < 1024 * 1024)
        return fixed(double(bytes) / 1024.0, 1) + " KiB";
    return fixed(double(bytes) / (1024.0 * 1024.0), 2) + " MiB";
}

std::string shapeText(const std::vector<int64_t>& shape)
{
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        text += (i ? "," : "") + std::to_string(shape[i]);
    return text + "]";
}

Table::Table(std::vector<std::string> header)
{
    m_rows.push_back(std::move(header));
}

void Table::addRow(std::vector<std::string> row)
{
    row.resize(m_rows.front().size());
    m_rows.push_back(std::move(row));
}

void Table::print(std::ostream& out) const
{
    std::vector<size_t> widths(m_rows.front().size(), 0);
    for (const auto& row : m_rows)
        for (size_t c = 0; c < row.size(); ++c)
            widths[c] = std::max(widths[c], row[c].size());
    for (size_t r = 0; r < m_rows.size(); ++r) {
        std::string line;
        for (size_t c = 0; c < widths.size(); ++c) {
            const auto& cell = m_rows[r][c];
            const std::string pad(widths[c] - cell.size(), ' ');
            line += c == 0 ? cell + pad : "  " + pad + cell;
        }
        out << line << "\n";
        if (r == 0)
            out << std::string(line.size(), '-') << "\n";
    }
}

} // namespace pare::cli
