// What larderd and larderctl export to the dynamic linker (CMakeLists.txt: visibility
// hidden; docs/debian-traps.md, cpprestsdk). libcpprest carries its own copies of Boost.Asio's
// inline functions, built with other options than ours; a copy of ours in an executable's
// dynamic symbol table takes their place at run time, and once made cpprest's client crash.
// The executables are read as ELF files: their .dynsym, the symbols they define.
#include <doctest/doctest.h>

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

std::vector<char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <typename T>
T at(const std::vector<char>& f, std::size_t offset) {
  if (offset > f.size() || f.size() - offset < sizeof(T)) {
    throw std::runtime_error("ELF file cut short");
  }
  T t;
  std::memcpy(&t, f.data() + offset, sizeof(T));
  return t;
}

// The names of the symbols a 64-bit ELF file defines in its dynamic symbol table.
std::vector<std::string> defined_dynamic_symbols(const std::string& path) {
  const auto f = read_file(path);
  const auto eh = at<Elf64_Ehdr>(f, 0);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64) {
    throw std::runtime_error(path + " is not a 64-bit ELF file");
  }
  std::vector<std::string> names;
  for (unsigned i = 0; i < eh.e_shnum; ++i) {
    const auto sh = at<Elf64_Shdr>(f, eh.e_shoff + std::size_t{i} * eh.e_shentsize);
    if (sh.sh_type != SHT_DYNSYM) continue;
    const auto strtab = at<Elf64_Shdr>(f, eh.e_shoff + std::size_t{sh.sh_link} * eh.e_shentsize);
    for (std::size_t s = 0; s < sh.sh_size / sizeof(Elf64_Sym); ++s) {
      const auto sym = at<Elf64_Sym>(f, sh.sh_offset + s * sizeof(Elf64_Sym));
      if (sym.st_shndx == SHN_UNDEF || sym.st_name >= strtab.sh_size) continue;
      const char* name = f.data() + strtab.sh_offset + sym.st_name;
      names.emplace_back(name, strnlen(name, strtab.sh_size - sym.st_name));
    }
  }
  return names;
}

// Boost.Asio's functions and data, and the guard variables of its statics: not its
// exception types' type info, which is meant to be one across libraries.
bool is_asio_code_or_data(const std::string& name) {
  for (const char* prefix : {"_ZN5boost4asio", "_ZGVN5boost4asio", "_ZZN5boost4asio",
                             "_ZTHN5boost4asio", "_ZTWN5boost4asio"}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

void check_exports_no_asio(const std::string& path) {
  CAPTURE(path);
  const auto names = defined_dynamic_symbols(path);
  std::vector<std::string> asio;
  for (const auto& n : names) {
    if (is_asio_code_or_data(n)) asio.push_back(n);
  }
  INFO("the first exported: " << (asio.empty() ? std::string("none") : asio.front()));
  CHECK(asio.size() == 0);
}

}  // namespace

TEST_CASE("larderd and larderctl export none of Boost.Asio's functions for libcpprest to bind") {
  check_exports_no_asio(LARDERD_PATH);
  check_exports_no_asio(LARDERCTL_PATH);
}

TEST_CASE("the ELF reader finds Boost.Asio's functions where they are exported: libcpprest") {
  // A reader that found nothing would make the check above pass for nothing.
  std::size_t asio = 0;
  for (const auto& n : defined_dynamic_symbols(CPPREST_LIBRARY_PATH)) {
    asio += is_asio_code_or_data(n) ? 1 : 0;
  }
  CHECK(asio > 100);
  CHECK_THROWS_AS(defined_dynamic_symbols(LARDER_SOURCE_DIR "/README.md"), std::runtime_error);
}
