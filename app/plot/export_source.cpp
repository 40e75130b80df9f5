#include "app/plot/export_source.h"

namespace ts::plot {

namespace {
std::string g_source;  // UI thread only
}  // namespace

void set_export_source(const std::string& source) { g_source = source; }
const std::string& export_source() { return g_source; }

}  // namespace ts::plot
