// A small state file in the state directory, written whole and atomically: the learned
// patterns of the delivery desk (where the car parks, when someone is home).
//
// write_state_file() writes `<path>.tmp` (mode 0640), fsyncs it, renames it over `path` and
// fsyncs the directory, so a crash or a power cut leaves the old file or the new one, never a
// torn one. read_state_file() reads at most `max_bytes`; a missing file is Ok with nullopt
// (nothing learned yet), anything else unreadable or too large is an error naming the file.
// Thread rule: plain functions; they block on the disk (small files, from the flush timer).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "larder/status.h"

namespace larder {

Status write_state_file(const std::string& path, const std::string& data);
// Writes all of `data` to fd, retrying short writes and EINTR; false (errno set) on failure.
bool write_all(int fd, const std::string& data);
// Syncs the directory holding `path`, so a file created or renamed there survives a power
// cut; best effort (a directory that cannot be opened is left as it is).
void sync_parent_dir(const std::string& path);
// Whether the disk under `dir` has room for `bytes` more: writes and syncs a file of that
// size there and removes it. The error names the directory and the cause ("No space left
// on device", "File too large" under a file size limit).
Status check_room(const std::string& dir, std::size_t bytes);
// mkdir -p, with mode 0750 for what it creates; an error when `dir` is empty or not a
// directory at the end.
Status make_state_dir(const std::string& dir);
Result<std::optional<std::string>> read_state_file(const std::string& path,
                                                   std::size_t max_bytes = std::size_t{4} << 20);

}  // namespace larder
