// The larderctl commands, one function each: `args` are the words after the command's
// name, the answer is the process's exit status (cli.h, docs/larderctl.md).
#pragma once

#include "cli.h"

namespace larderctl {

int check_config_command(const Args& args);  // config_commands.cc
int replay_command(const Args& args);
int version_command(const Args& args);
int audit_command(const Args& args);         // audit_command.cc
int deliveries_command(const Args& args);    // delivery_commands.cc
int revoke_command(const Args& args);
int status_command(const Args& args);       // status_command.cc
int consumables_command(const Args& args);  // consumable_commands.cc
int orders_command(const Args& args);       // order_commands.cc
int vacation_command(const Args& args);     // vacation_command.cc
int backup_command(const Args& args);       // store_commands.cc
int restore_command(const Args& args);

}  // namespace larderctl
