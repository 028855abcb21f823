// Tables for the terminal (aligned text) and for the Markdown file.
#include "bench.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace bench {

std::string grouped(long long value) {
	const std::string digits = std::to_string(value < 0 ? -value : value);
	std::string out;
	for (size_t i = 0; i < digits.size(); i++) {
		if (i > 0 && (digits.size() - i) % 3 == 0)
			out += ',';
		out += digits[i];
	}
	return value < 0 ? "-" + out : out;
}

std::string fixed(double value, int decimals) {
	if (!std::isfinite(value))
		return "-";
	char buffer[64];
	std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
	return buffer;
}

namespace {

// Display width: every UTF-8 continuation byte adds no column.
size_t width(const std::string &text) {
	size_t columns = 0;
	for (unsigned char c : text)
		columns += (c & 0xC0) != 0x80 ? 1 : 0;
	return columns;
}

// Figures (digits, separators, signs, "×", "–", " ms") align right; words left.
bool numeric(const std::string &text) {
	if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-'))
		return false;
	for (unsigned char c : text)
		if (std::isalpha(c) && c != 'm' && c != 's')
			return false;
	return true;
}

} // namespace

std::string Grid::markdown() const {
	auto line = [](const std::vector<std::string> &cells) {
		std::string out = "|";
		for (const std::string &cell : cells) {
			std::string escaped;
			for (char c : cell)
				escaped += c == '|' ? std::string("\\|") : std::string(1, c);
			out += " " + escaped + " |";
		}
		return out + "\n";
	};
	std::string out = line(headers);
	out += "|";
	for (size_t i = 0; i < headers.size(); i++) {
		bool right = i > 0 && !rows.empty();
		for (const auto &row : rows)
			right = right && i < row.size() && (numeric(row[i]) || row[i] == "-");
		out += right ? " ---: |" : " --- |";
	}
	out += "\n";
	for (const auto &row : rows)
		out += line(row);
	return out;
}

std::string Grid::text() const {
	std::vector<size_t> widths(headers.size(), 0);
	for (size_t i = 0; i < headers.size(); i++)
		widths[i] = width(headers[i]);
	for (const auto &row : rows)
		for (size_t i = 0; i < row.size() && i < widths.size(); i++)
			widths[i] = std::max(widths[i], width(row[i]));
	auto line = [&](const std::vector<std::string> &cells, bool header) {
		std::string out;
		for (size_t i = 0; i < cells.size() && i < widths.size(); i++) {
			const std::string pad(widths[i] - width(cells[i]), ' ');
			const bool right = !header && i > 0 && numeric(cells[i]);
			out += (i == 0 ? "" : "  ") + (right ? pad + cells[i] : cells[i] + (i + 1 < cells.size() ? pad : ""));
		}
		return out + "\n";
	};
	std::string out = line(headers, true);
	size_t total = 0;
	for (size_t w : widths)
		total += w + 2;
	out += std::string(total > 2 ? total - 2 : 0, '-') + "\n";
	for (const auto &row : rows)
		out += line(row, false);
	return out;
}

} // namespace bench
