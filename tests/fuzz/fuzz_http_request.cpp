// Fuzzes mqchatd's HTTP request head parser: any bytes, fed whole and in
// chunks of a fuzzed size, must give the same verdict, within the limits,
// and the query decoder must never fail on what a client sends.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "server/wire/http_request.hpp"
#include "server/wire/websocket.hpp"

using namespace mqchat::server::wire;

namespace {

// Feeds `bytes` to a reader `chunk` bytes at a time, as reads would.
HeadResult in_chunks(const std::string& bytes, std::size_t chunk, const HttpLimits& limits) {
    RequestHeadReader reader(limits);
    HeadResult r;
    for (std::size_t end = chunk;; end += chunk) {
        r = reader.next(std::string_view(bytes).substr(0, std::min(end, bytes.size())));
        if (r.status != HeadStatus::incomplete || end >= bytes.size()) return r;
    }
}

std::string summary(const HeadResult& r) {
    return std::to_string(static_cast<int>(r.status)) + "/" + std::to_string(r.error_status) + "/" +
           std::to_string(r.size) + "/" + r.error;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    HttpLimits limits;
    limits.max_request_line = in.ConsumeIntegralInRange<std::size_t>(1, 512);
    limits.max_head = in.ConsumeIntegralInRange<std::size_t>(1, 2048);
    limits.max_headers = in.ConsumeIntegralInRange<std::size_t>(0, 16);
    limits.max_body = in.ConsumeIntegralInRange<std::size_t>(0, 4096);
    const std::size_t chunk = in.ConsumeIntegralInRange<std::size_t>(1, 64);
    const std::string bytes = in.ConsumeRemainingBytesAsString();

    RequestHeadReader whole_reader(limits);
    const HeadResult whole = whole_reader.next(bytes);
    const HeadResult chunked = in_chunks(bytes, chunk, limits);
    // Chunks may see a refusal earlier (a prefix already breaks a limit) but
    // never a different head.
    if (whole.status == HeadStatus::complete && chunked.status == HeadStatus::complete)
        FUZZ_CHECK(summary(whole) == summary(chunked), summary(whole) + " vs " + summary(chunked));
    if (whole.status == HeadStatus::complete) {
        const RequestHead& h = whole.head;
        FUZZ_CHECK(whole.size <= bytes.size(), "head longer than the input");
        FUZZ_CHECK(h.content_length <= limits.max_body, "body over the limit accepted");
        FUZZ_CHECK(h.headers.size() <= limits.max_headers, "too many headers accepted");
        FUZZ_CHECK(!h.target.empty() && h.target.front() == '/', "target not in origin form");
        FUZZ_CHECK(h.minor_version == 0 || h.minor_version == 1, "version");
        for (const auto& header : h.headers) {
            FUZZ_CHECK(header.value.find_first_of("\r\n") == std::string::npos, "CR/LF in a value");
            FUZZ_CHECK(!header.name.empty(), "empty header name");
        }
        (void)parse_query(h.query());
        (void)websocket_handshake(h);
    } else if (whole.status == HeadStatus::invalid) {
        const int s = whole.error_status;
        FUZZ_CHECK(s == 400 || s == 411 || s == 413 || s == 414 || s == 417 || s == 431 || s == 505,
                   std::to_string(s));
        FUZZ_CHECK(chunked.status == HeadStatus::invalid, "refused whole, accepted in chunks");
    }
    return 0;
}
