#include "agent/server_url.h"

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace orch::agent {
namespace {

TEST(ParseServerUrlTest, ReadsHostPortAndVirtualDirectory) {
  // Given URLs with and without port and path, each part is read and the default port filled in.
  struct Case {
    const char* text;
    ServerUrl url;
  };
  const Case cases[] = {
      {"https://orchd.example.com:8443", {true, "orchd.example.com", 8443, ""}},
      {"https://orchd.example.com", {true, "orchd.example.com", 443, ""}},
      {"https://orchd.example.com/", {true, "orchd.example.com", 443, ""}},
      {"HTTPS://10.0.0.5:9443/KeyfactorAgents-VD/",
       {true, "10.0.0.5", 9443, "/KeyfactorAgents-VD"}},
      {"https://[fe80::1]:8443/a/b", {true, "fe80::1", 8443, "/a/b"}},
      {"http://127.0.0.1", {false, "127.0.0.1", 80, ""}},
      {"http://localhost:8080/x%20y", {false, "localhost", 8080, "/x%20y"}},
  };
  for (const Case& c : cases) {
    ASSERT_OK_AND_ASSIGN(ServerUrl url, ParseServerUrl(c.text));
    EXPECT_EQ(url, c.url) << c.text;
  }
}

TEST(ParseServerUrlTest, RefusesWhatIsNotAnAgentListenerUrl) {
  // Given malformed URLs, each error says what is wrong.
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"orchd.example.com",
       "\"orchd.example.com\" is not a URL (expected "
       "https://HOST[:PORT][/PATH], e.g. https://orchd.example.com:8443)"},
      {"https://",
       "the URL has no host (expected https://HOST[:PORT][/PATH], e.g. "
       "https://orchd.example.com:8443)"},
      {"https://:8443",
       "the URL has no host (expected https://HOST[:PORT][/PATH], e.g. "
       "https://orchd.example.com:8443)"},
      {"https://fe80::1",
       "\"fe80:\" is not a host name or IP address (an IPv6 address goes in "
       "brackets)"},
      {"https://[fe80::1", "unclosed '[' in host \"[fe80::1\""},
      {"https://[orchd]:1", "\"orchd\" is not a host name or IP address"},
      {"https://*.example.com",
       "\"*.example.com\" is not a host name or IP address (an IPv6 "
       "address goes in brackets)"},
      {"https://[::1]x",
       "unexpected \"x\" after the host (expected https://HOST[:PORT][/PATH], "
       "e.g. https://orchd.example.com:8443)"},
      {"https://orchd:", "port \"\" is not in 1..65535"},
      {"https://orchd:65536", "port \"65536\" is not in 1..65535"},
      {"https://orchd:-1", "port \"-1\" is not in 1..65535"},
      {"https://orchd/a#top", "a fragment is not allowed; give only scheme, host, port and path"},
      {"https://orchd/a b",
       "path \"/a b\" has a character that must be %-escaped (such as a "
       "space)"},
      {"https://u@orchd",
       "a user name or password is not allowed in the URL (the agent "
       "authenticates with its secret and certificate)"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ParseServerUrl(c.text).status().message(), c.message) << c.text;
  }
}

TEST(ServerUrlTest, FormatsAndPrefixesEndpoints) {
  // Given parsed URLs, the format spells every part and endpoints go below the virtual directory.
  ASSERT_OK_AND_ASSIGN(ServerUrl plain, ParseServerUrl("https://orchd.example.com"));
  EXPECT_EQ(FormatServerUrl(plain), "https://orchd.example.com:443");
  EXPECT_EQ(EndpointTarget(plain, "KeyfactorAgents/Session/Register"),
            "/KeyfactorAgents/Session/Register");
  ASSERT_OK_AND_ASSIGN(ServerUrl prefixed, ParseServerUrl("http://[::1]:8080/vd/"));
  EXPECT_EQ(FormatServerUrl(prefixed), "http://[::1]:8080/vd");
  EXPECT_EQ(EndpointTarget(prefixed, "/KeyfactorAgents/Jobs/Poll"),
            "/vd/KeyfactorAgents/Jobs/Poll");
  EXPECT_EQ(EndpointTarget(prefixed, "KeyfactorAgents/Management/Complete"),
            "/vd/KeyfactorAgents/Management/Complete");
}

}  // namespace
}  // namespace orch::agent
