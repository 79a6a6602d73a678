// Helix base URL normalisation (docs/CONTRACT.md §6.7).
#include <catch2/catch.hpp>

#include "backend/api/helix_client.h"

using mgm::backend::api::helix_base_url;

TEST_CASE("helix base url: trim, strip trailing slashes, add one - empty means api.twitch.tv", "[api][helix]") {
    REQUIRE(helix_base_url("") == "https://api.twitch.tv/");
    REQUIRE(helix_base_url("   ") == "https://api.twitch.tv/");
    REQUIRE(helix_base_url("http://127.0.0.1:9053") == "http://127.0.0.1:9053/");
    REQUIRE(helix_base_url(" http://127.0.0.1:9053/ ") == "http://127.0.0.1:9053/");
    REQUIRE(helix_base_url("http://127.0.0.1:9053/prefix//") == "http://127.0.0.1:9053/prefix/");
}
