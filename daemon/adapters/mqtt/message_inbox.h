// MessageInbox: MQTT messages from Paho's threads to the event loop in batches, one post
// per batch instead of one per message (a burst then costs one handoff and one group
// commit for many readings). Any other event closes the open batch before it is posted,
// under the same mutex, so messages and connection events reach the loop in the order they
// happened.
// Thread rule: add() and close_then() from any thread; take() on the loop.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "larder/bus.h"

namespace larder {

class MessageInbox {
 public:
  using Batch = std::vector<Message>;

  // Adds `m` to the open batch; without one, opens a batch and calls post(batch), which
  // must post its drain (take()) onto the loop. post runs with the lock held.
  template <class Post>
  void add(Message m, Post&& post) {
    std::lock_guard<std::mutex> lock(mu_);
    if (open_) {
      open_->push_back(std::move(m));
      return;
    }
    open_ = std::make_shared<Batch>();
    open_->push_back(std::move(m));
    post(std::shared_ptr<Batch>(open_));
  }

  // Closes the open batch, then calls post() (any other event), with the lock held.
  template <class Post>
  void close_then(Post&& post) {
    std::lock_guard<std::mutex> lock(mu_);
    open_.reset();
    post();
  }

  // The messages of `batch`, which takes no more after this.
  Batch take(const std::shared_ptr<Batch>& batch) {
    std::lock_guard<std::mutex> lock(mu_);
    if (open_ == batch) open_.reset();
    Batch out;
    out.swap(*batch);
    return out;
  }

 private:
  std::mutex mu_;
  std::shared_ptr<Batch> open_;  // the batch whose drain is posted and has not run
};

}  // namespace larder
