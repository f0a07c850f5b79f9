#pragma once

// Text formatting for the command line's tables.

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace pare::cli {

[[nodiscard]] std::string withThousands(int64_t value);
[[nodiscard]] std::string fixed(double value, int decimals);
[[nodiscard]] std::string humanBytes(int64_t bytes);
[[nodiscard]] std::string shapeText(const std::vector<int64_t>& shape);

/// A plain-text table: left-aligned first column, right-aligned numbers.
class Table
{
public:
    explicit Table(std::vector<std::string> header);
    void addRow(std::vector<std::string> row);
    void print(std::ostream& out) const;

private:
    std::vector<std::vector<std::string>> m_rows;
};

} // namespace pare::cli
