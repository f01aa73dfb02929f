// The push channels' HTTP client (docs/notifications.md): notify::Sender on the retailer
// adapters' cpprestsdk client (adapters/retailer/retailer_http.h), one per channel, so a
// request runs on cpprestsdk's threads and its answer comes back through `post` onto the
// event loop. The credentials are added here and nowhere else: ntfy's token as
// `Authorization: Bearer`, the webhook's secret as `X-Larder-Signature: sha256=<HMAC-SHA256
// of the body>` (adapters/crypto/signature.h, as the webhook retailer signs). Errors in the
// log name the channel and the status, never the URL's query, a header or a secret.
// Thread rule: make() and send() on the event-loop thread; `done` runs there.
#pragma once

#include <memory>

#include "adapters/retailer/retailer_factory.h"
#include "larder/config.h"
#include "larder/status.h"
#include "notify/dispatcher.h"

namespace larder {

class NotifyHttpSender final : public notify::Sender {
 public:
  // Fails for a URL cpprestsdk cannot use.
  static Result<std::unique_ptr<NotifyHttpSender>> make(const NotifyConfig& config,
                                                        const Post& post);
  ~NotifyHttpSender() override;
  NotifyHttpSender(const NotifyHttpSender&) = delete;
  NotifyHttpSender& operator=(const NotifyHttpSender&) = delete;

  void send(notify::Channel channel, const notify::Request& request,
            std::function<void(notify::SendResult)> done) override;
  // No answer is handed to `post` after this (call before the loop goes).
  void close();

 private:
  struct Impl;
  explicit NotifyHttpSender(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace larder
