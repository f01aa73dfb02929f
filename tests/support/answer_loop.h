// AnswerLoop: the event loop of a test of an asynchronous adapter (the retailer adapters).
// `post` hands functions to it, as the daemon's loop does; await() starts a call and runs
// the loop until its callback fired, and checks the port's rules: the answer comes on this
// thread, exactly once, and never inside the call itself.
// Thread rule: the test's thread.
#pragma once

#include <doctest/doctest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <thread>
#include <utility>

namespace larder::test {

struct AnswerLoop {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work =
      boost::asio::make_work_guard(io);
  std::function<void(std::function<void()>)> post = [this](std::function<void()> fn) {
    boost::asio::post(io, std::move(fn));
  };

  // The answer of `call`, waited for up to 30 s (a hang fails the test instead of blocking).
  template <class T>
  T await(const std::function<void(std::function<void(T)>)>& call) {
    using namespace std::chrono_literals;
    std::optional<T> result;
    int calls = 0;
    const auto me = std::this_thread::get_id();
    call([&](T v) {
      CHECK(std::this_thread::get_id() == me);
      ++calls;
      result = std::move(v);
    });
    CHECK_MESSAGE(!result, "answered inside the call");
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!result && std::chrono::steady_clock::now() < deadline) io.run_for(20ms);
    REQUIRE_MESSAGE(result, "no answer within 30 s");
    io.run_for(50ms);  // a second answer would come now
    CHECK(calls == 1);
    return std::move(*result);
  }
};

}  // namespace larder::test
