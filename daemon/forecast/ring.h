// A ring buffer of fixed capacity: the newest N values, oldest first.
//
// The consumption model keeps its history in these so that its memory is bounded however
// long it runs: pushing onto a full ring drops the oldest value. No allocation ever.
// Thread rule: plain value.
#pragma once

#include <array>
#include <cstddef>

namespace larder::forecast {

template <typename T, std::size_t N>
class Ring {
  static_assert(N > 0, "a ring holds at least one value");

 public:
  static constexpr std::size_t capacity() { return N; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  bool full() const { return size_ == N; }

  // Appends `v`; on a full ring the oldest value is dropped.
  void push(const T& v) {
    data_[(head_ + size_) % N] = v;
    if (size_ < N) {
      ++size_;
    } else {
      head_ = (head_ + 1) % N;
    }
  }
  // Removes the oldest value; the ring must not be empty.
  T pop_front() {
    T v = data_[head_];
    head_ = (head_ + 1) % N;
    --size_;
    return v;
  }
  void clear() { head_ = size_ = 0; }

  // i = 0 is the oldest value, size() - 1 the newest; i must be < size().
  const T& operator[](std::size_t i) const { return data_[(head_ + i) % N]; }
  T& operator[](std::size_t i) { return data_[(head_ + i) % N]; }
  const T& back() const { return (*this)[size_ - 1]; }

 private:
  std::array<T, N> data_{};
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace larder::forecast
