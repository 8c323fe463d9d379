// HS256 signing and strict verification with OpenSSL's HMAC.
#include "jwt.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/json_text.hpp"

namespace mqchat::token {
namespace {

using nlohmann::json;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr int kMaxJsonDepth = 8;

int decode_char(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len))
        throw std::runtime_error("HMAC-SHA256 failed");
    return std::string(reinterpret_cast<const char*>(out.data()), len);
}

std::optional<json> parse_object(std::string_view text) {
    if (!json_nesting_within(text, kMaxJsonDepth)) return std::nullopt;
    json value = json::parse(text, nullptr, false);
    if (value.is_discarded() || !value.is_object()) return std::nullopt;
    return value;
}

Verified refuse(std::string why) {
    return {std::nullopt, std::move(why)};
}

// Integer claims: JSON integers only, never floats or strings.
bool read_int(const json& obj, const char* key, std::int64_t& out, bool required) {
    const auto it = obj.find(key);
    if (it == obj.end()) return !required;
    if (!it->is_number_integer()) return false;
    if (it->is_number_unsigned() &&
        it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
        return false;
    out = it->get<std::int64_t>();
    return true;
}

bool read_string(const json& obj, const char* key, std::string& out, bool required) {
    const auto it = obj.find(key);
    if (it == obj.end()) return !required;
    if (!it->is_string()) return false;
    out = it->get<std::string>();
    return true;
}

bool audience_matches(const json& aud, const std::string& expected) {
    if (aud.is_string()) return aud.get<std::string>() == expected;
    if (!aud.is_array()) return false;
    for (const auto& a : aud)
        if (a.is_string() && a.get<std::string>() == expected) return true;
    return false;
}

std::optional<std::vector<AclEntry>> read_acl(const json& claims) {
    std::vector<AclEntry> acl;
    const auto it = claims.find("acl");
    if (it == claims.end()) return acl;
    if (!it->is_array() || it->size() > 1000) return std::nullopt;
    for (const auto& e : *it) {
        AclEntry entry;
        if (!e.is_object() || !read_string(e, "permission", entry.permission, true) ||
            !read_string(e, "action", entry.action, true) ||
            !read_string(e, "topic", entry.topic, true))
            return std::nullopt;
        if (entry.permission != "allow" && entry.permission != "deny") return std::nullopt;
        if (entry.action != "publish" && entry.action != "subscribe" && entry.action != "all")
            return std::nullopt;
        if (entry.topic.empty() || entry.topic.size() > 256) return std::nullopt;
        acl.push_back(std::move(entry));
    }
    return acl;
}

json to_json(const Claims& c) {
    json acl = json::array();
    for (const auto& e : c.acl)
        acl.push_back({{"permission", e.permission}, {"action", e.action}, {"topic", e.topic}});
    json claims = {{"sub", c.sub}, {"name", c.name}, {"iat", c.iat}, {"nbf", c.nbf}, {"exp", c.exp},
                   {"jti", c.jti}, {"iss", c.iss},   {"aud", c.aud}, {"acl", acl}};
    if (!c.sid.empty()) claims["sid"] = c.sid;
    return claims;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const auto n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (i < bytes.size()) {
        unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        if (i + 1 < bytes.size()) out += kAlphabet[(n >> 6) & 63];
    }
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned buffer = 0;
    int bits = 0;
    for (char c : text) {
        const int v = decode_char(c);
        if (v < 0) return std::nullopt;  // padding, '+', '/', white space: not base64url
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    if (bits > 0 && (buffer & ((1U << bits) - 1)) != 0)
        return std::nullopt;  // non-canonical trailing bits
    return out;
}

bool is_valid_account_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    return (id[0] >= 'a' && id[0] <= 'z') || (id[0] >= '0' && id[0] <= '9');
}

std::string sign(const Claims& claims, std::string_view secret) {
    if (secret.size() < kMinSecretBytes)
        throw std::invalid_argument("token secret shorter than 32 bytes");
    const std::string header = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
    const std::string payload = base64url_encode(to_json(claims).dump());
    const std::string signing_input = header + "." + payload;
    return signing_input + "." + base64url_encode(hmac_sha256(secret, signing_input));
}

Verified verify(std::string_view token, std::string_view secret, const VerifyOptions& o) {
    if (secret.size() < kMinSecretBytes) return refuse("server key shorter than 32 bytes");
    if (token.empty()) return refuse("no token");
    if (token.size() > kMaxTokenBytes) return refuse("token too long");
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
        return refuse("not a JWS compact token");
    const auto header_text = base64url_decode(token.substr(0, dot1));
    const auto payload_text = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    const auto signature = base64url_decode(token.substr(dot2 + 1));
    if (!header_text || !payload_text || !signature) return refuse("invalid base64url");
    const auto header = parse_object(*header_text);
    if (!header) return refuse("header is not a JSON object");
    const auto alg = header->find("alg");
    if (alg == header->end() || !alg->is_string() || alg->get<std::string>() != "HS256")
        return refuse("algorithm is not HS256");
    if (header->contains("crit")) return refuse("unsupported critical header");
    if (const auto typ = header->find("typ");
        typ != header->end() && (!typ->is_string() || *typ != "JWT"))
        return refuse("type is not JWT");
    const std::string expected = hmac_sha256(secret, token.substr(0, dot2));
    if (signature->size() != expected.size() ||
        CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0)
        return refuse("bad signature");

    const auto payload = parse_object(*payload_text);
    if (!payload) return refuse("claims are not a JSON object");
    Claims c;
    if (!read_int(*payload, "exp", c.exp, true)) return refuse("exp missing or not an integer");
    if (!read_int(*payload, "nbf", c.nbf, false)) return refuse("nbf is not an integer");
    if (!read_int(*payload, "iat", c.iat, false)) return refuse("iat is not an integer");
    if (c.exp <= o.now) return refuse("token expired");
    if (c.exp > o.now + o.max_lifetime + o.nbf_leeway) return refuse("token lifetime too long");
    if (c.nbf > o.now + o.nbf_leeway) return refuse("token not valid yet (nbf)");
    if (c.iat > o.now + o.nbf_leeway) return refuse("token issued in the future (iat)");
    if (!read_string(*payload, "iss", c.iss, true) || c.iss != o.issuer)
        return refuse("wrong issuer");
    const auto aud = payload->find("aud");
    if (aud == payload->end() || !audience_matches(*aud, o.audience))
        return refuse("wrong audience");
    c.aud = o.audience;
    if (!read_string(*payload, "sub", c.sub, true) || !is_valid_account_id(c.sub))
        return refuse("sub missing or invalid");
    if (!read_string(*payload, "name", c.name, false)) return refuse("name is not a string");
    if (!read_string(*payload, "jti", c.jti, false)) return refuse("jti is not a string");
    if (!read_string(*payload, "sid", c.sid, false) ||
        (payload->contains("sid") && (c.sid.empty() || c.sid.size() > kMaxSidBytes)))
        return refuse("sid is not a string of 1 to 64 bytes");
    auto acl = read_acl(*payload);
    if (!acl) return refuse("malformed acl claim");
    c.acl = std::move(*acl);
    return {std::move(c), {}};
}

}  // namespace mqchat::token
