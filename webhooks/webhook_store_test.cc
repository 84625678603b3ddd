#include "webhooks/webhook_store.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/proto_util.h"
#include "gtest/gtest.h"
#include "storage/kv_store_test_params.h"
#include "webhooks/signature.h"
#include "webhooks/test_fakes_for_tests.h"

namespace scim::webhooks {
namespace {

// hooks.example resolves to a public address; internal.example to a private one.
absl::StatusOr<std::vector<std::string>> TestDns(const std::string& host) {
  if (host == "hooks.example") return std::vector<std::string>{"93.184.216.34"};
  if (host == "internal.example") return std::vector<std::string>{"10.1.2.3"};
  if (AddressKind(host) != "not an IP address") return std::vector<std::string>{host};
  return absl::UnavailableError(absl::StrCat("cannot resolve ", host, ": unknown host"));
}

class WebhookStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kv_.Open(GetParam(), {kWebhooksColumnFamily}).ok());
    kek_ = std::move(*KeyEncryption::FromKey(std::string(32, 'k')));
    store_ = std::make_unique<WebhookStore>(kv_.get(), &feed_, &guard_,
                                            Runtime{&clock_, &random_}, kek_.get());
  }

  v1::AddWebhookRequest Request(const std::string& tenant,
                                const std::string& url = "https://hooks.example/scim") {
    v1::AddWebhookRequest r;
    r.set_tenant(tenant);
    r.set_url(url);
    return r;
  }
  AddedWebhook MustAdd(const std::string& tenant) {
    auto added = store_->Add(Request(tenant));
    EXPECT_TRUE(added.ok()) << added.status();
    return added.ok() ? *added : AddedWebhook{};
  }

  TestKvStore kv_;
  FakeClock clock_;
  FakeRandom random_;
  FakeEventFeed feed_;
  DestinationGuard guard_{/*allow_private=*/false, TestDns};
  std::unique_ptr<KeyEncryption> kek_;
  std::unique_ptr<WebhookStore> store_;
};

TEST_P(WebhookStoreTest, AddStartsAtTheLatestEventAndShowsTheSecretOnce) {
  for (int i = 0; i < 3; ++i) feed_.Append(UserEvent("acme", "user.created", clock_.Now()));
  v1::AddWebhookRequest request = Request("acme");
  request.add_event_types("user.created");
  request.add_event_types("group.member_added");
  request.add_event_types("user.created");
  request.set_include_resource(true);
  auto added = store_->Add(request);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_TRUE(SecretKey(added->secret).ok()) << added->secret;
  const v1::Webhook& w = added->webhook;
  EXPECT_FALSE(w.id().empty());
  EXPECT_EQ(w.tenant(), "acme");
  EXPECT_EQ(w.url(), "https://hooks.example/scim");
  EXPECT_EQ(std::vector<std::string>(w.event_types().begin(), w.event_types().end()),
            (std::vector<std::string>{"user.created", "group.member_added"}));
  EXPECT_TRUE(w.include_resource());
  EXPECT_EQ(w.state(), kHealthy);
  EXPECT_EQ(w.delivered_sequence(), 3u);
  EXPECT_EQ(FromTimestamp(w.created()), clock_.Now());

  auto stored = store_->Get("acme", w.id());
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->webhook().SerializeAsString(), w.SerializeAsString());
  // Sealed at rest, opened for signing.
  EXPECT_TRUE(KeyEncryption::IsSealed(stored->secret()));
  EXPECT_FALSE(absl::StrContains(stored->SerializeAsString(), added->secret));
  auto secrets = store_->SigningSecrets(*stored);
  ASSERT_TRUE(secrets.ok()) << secrets.status();
  EXPECT_EQ(*secrets, std::vector<std::string>{added->secret});
}

TEST_P(WebhookStoreTest, BadRequestsAreRefusedWithReasons) {
  struct Case {
    const char* name;
    v1::AddWebhookRequest request;
    absl::StatusCode code;
    const char* detail;
  };
  v1::AddWebhookRequest unknown_type = Request("acme");
  unknown_type.add_event_types("user.created");
  unknown_type.add_event_types("user.exploded");
  v1::AddWebhookRequest hostile_type = Request("acme");
  hostile_type.add_event_types(std::string(100000, 'x'));
  const Case cases[] = {
      {"no tenant", Request(""), absl::StatusCode::kInvalidArgument, "tenant"},
      {"bad tenant", Request("Acme/x"), absl::StatusCode::kInvalidArgument, "tenant"},
      {"no url", Request("acme", ""), absl::StatusCode::kInvalidArgument, "required"},
      {"not http", Request("acme", "gopher://hooks.example/"),
       absl::StatusCode::kInvalidArgument, "http or https"},
      {"private", Request("acme", "https://internal.example/"),
       absl::StatusCode::kInvalidArgument, "private address"},
      {"loopback literal", Request("acme", "http://127.0.0.1:8080/"),
       absl::StatusCode::kInvalidArgument, "loopback address"},
      {"unresolvable", Request("acme", "https://nowhere.example/"),
       absl::StatusCode::kInvalidArgument, "cannot resolve"},
      {"unknown type", unknown_type, absl::StatusCode::kInvalidArgument, "user.exploded"},
      {"hostile type", hostile_type, absl::StatusCode::kInvalidArgument, "unknown event type"},
  };
  for (const Case& c : cases) {
    auto added = store_->Add(c.request);
    ASSERT_FALSE(added.ok()) << c.name;
    EXPECT_EQ(added.status().code(), c.code) << c.name << ": " << added.status();
    EXPECT_TRUE(absl::StrContains(added.status().message(), c.detail))
        << c.name << ": " << added.status();
    EXPECT_LT(added.status().message().size(), 1000u) << c.name;
  }
  auto all = store_->ListAll();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_P(WebhookStoreTest, AtMostTwentyPerTenantAndTenantsAreApart) {
  for (int i = 0; i < 20; ++i) MustAdd("acme");
  auto over = store_->Add(Request("acme"));
  EXPECT_EQ(over.status().code(), absl::StatusCode::kFailedPrecondition) << over.status();
  EXPECT_TRUE(absl::StrContains(over.status().message(), "20 webhooks"));
  // A tenant whose name extends another's is another tenant.
  const AddedWebhook other = MustAdd("acme-2");
  EXPECT_EQ(store_->List("acme")->size(), 20u);
  EXPECT_EQ(store_->List("acme-2")->size(), 1u);
  EXPECT_EQ(store_->List("acm")->size(), 0u);
  EXPECT_EQ(store_->ListAll()->size(), 21u);
  EXPECT_EQ(store_->Get("acme", other.webhook.id()).status().code(),
            absl::StatusCode::kNotFound);
  // Removing one makes room.
  const std::string first = (*store_->List("acme"))[0].webhook().id();
  ASSERT_TRUE(store_->Remove("acme", first).ok());
  EXPECT_TRUE(store_->Add(Request("acme")).ok());
}

TEST_P(WebhookStoreTest, RemoveTenantRemovesOnlyThatTenant) {
  MustAdd("acme");
  MustAdd("acme");
  MustAdd("acme-2");
  ASSERT_TRUE(store_->RemoveTenant("acme").ok());
  EXPECT_TRUE(store_->List("acme")->empty());
  EXPECT_EQ(store_->List("acme-2")->size(), 1u);
  EXPECT_TRUE(store_->RemoveTenant("acme").ok());  // nothing left: still fine
  EXPECT_EQ(store_->RemoveTenant("").code(), absl::StatusCode::kInvalidArgument);
}

TEST_P(WebhookStoreTest, UnknownAndHostileIdsAreNotFound) {
  const AddedWebhook added = MustAdd("acme");
  for (const std::string& id :
       {std::string("nope"), std::string(""), std::string(100000, 'a'),
        absl::StrCat(added.webhook.id(), "/x"), std::string("../") + added.webhook.id()}) {
    EXPECT_EQ(store_->Get("acme", id).status().code(), absl::StatusCode::kNotFound) << id.size();
    EXPECT_EQ(store_->Remove("acme", id).code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(store_->RotateSecret("acme", id, absl::ZeroDuration()).status().code(),
              absl::StatusCode::kNotFound);
    EXPECT_EQ(store_->Replay("acme", id, 0).status().code(), absl::StatusCode::kNotFound);
    EXPECT_LT(store_->Get("acme", id).status().message().size(), 200u);
  }
  ASSERT_TRUE(store_->Remove("acme", added.webhook.id()).ok());
  EXPECT_EQ(store_->Remove("acme", added.webhook.id()).code(), absl::StatusCode::kNotFound);
}

TEST_P(WebhookStoreTest, RotationKeepsThePreviousSecretForTheGrace) {
  const AddedWebhook added = MustAdd("acme");
  const std::string id = added.webhook.id();
  auto rotated = store_->RotateSecret("acme", id, absl::ZeroDuration());  // default 24 h
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  EXPECT_NE(*rotated, added.secret);
  EXPECT_TRUE(SecretKey(*rotated).ok());
  EXPECT_EQ(*store_->SigningSecrets(*store_->Get("acme", id)),
            (std::vector<std::string>{*rotated, added.secret}));
  clock_.Advance(absl::Hours(24) - absl::Seconds(1));
  EXPECT_EQ(store_->SigningSecrets(*store_->Get("acme", id))->size(), 2u);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(*store_->SigningSecrets(*store_->Get("acme", id)),
            std::vector<std::string>{*rotated});

  auto short_grace = store_->RotateSecret("acme", id, absl::Minutes(5));
  ASSERT_TRUE(short_grace.ok());
  clock_.Advance(absl::Minutes(5));
  EXPECT_EQ(*store_->SigningSecrets(*store_->Get("acme", id)),
            std::vector<std::string>{*short_grace});

  EXPECT_EQ(store_->RotateSecret("acme", id, absl::Seconds(-1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->RotateSecret("acme", id, absl::Hours(24 * 31)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(WebhookStoreTest, ReplayMovesTheCursorAndReenables) {
  for (int i = 0; i < 5; ++i) feed_.Append(UserEvent("acme", "user.created", clock_.Now()));
  const AddedWebhook added = MustAdd("acme");
  const std::string id = added.webhook.id();
  DeliveryState failing;
  failing.delivered_sequence = 5;
  failing.state = kDisabled;
  failing.last_error = "HTTP 410";
  failing.attempts = 3;
  failing.failing_since = clock_.Now();
  ASSERT_TRUE(*store_->RecordDelivery("acme", id, 0, failing));

  auto replayed = store_->Replay("acme", id, 2);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->webhook().delivered_sequence(), 2u);
  EXPECT_EQ(replayed->webhook().state(), kHealthy);
  EXPECT_EQ(replayed->webhook().attempts(), 0);
  EXPECT_TRUE(replayed->webhook().last_error().empty());
  EXPECT_FALSE(replayed->has_failing_since());
  EXPECT_EQ(replayed->generation(), 1u);

  // A delivery that began before the replay does not undo it.
  DeliveryState late;
  late.delivered_sequence = 5;
  EXPECT_FALSE(*store_->RecordDelivery("acme", id, 0, late));
  EXPECT_EQ(store_->Get("acme", id)->webhook().delivered_sequence(), 2u);
  EXPECT_TRUE(*store_->RecordDelivery("acme", id, 1, late));
  EXPECT_EQ(store_->Get("acme", id)->webhook().delivered_sequence(), 5u);

  auto beyond = store_->Replay("acme", id, 6);
  EXPECT_EQ(beyond.status().code(), absl::StatusCode::kInvalidArgument) << beyond.status();
  feed_.DropThrough("acme", 3);
  auto expired = store_->Replay("acme", id, 1);
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kOutOfRange) << expired.status();
  EXPECT_TRUE(store_->Replay("acme", id, 3).ok());
  EXPECT_TRUE(store_->Replay("acme", id, 5).ok());

  ASSERT_TRUE(store_->Remove("acme", id).ok());
  EXPECT_FALSE(*store_->RecordDelivery("acme", id, 3, late));
}

TEST_P(WebhookStoreTest, DeliveryStateRoundTrips) {
  const AddedWebhook added = MustAdd("acme");
  DeliveryState state;
  state.delivered_sequence = 7;
  state.state = kRetrying;
  state.last_error = "HTTP 500";
  state.attempts = 2;
  state.next_attempt = clock_.Now() + absl::Seconds(10);
  state.failing_since = clock_.Now() - absl::Seconds(5);
  ASSERT_TRUE(*store_->RecordDelivery("acme", added.webhook.id(), 0, state));
  auto stored = store_->Get("acme", added.webhook.id());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->webhook().delivered_sequence(), 7u);
  EXPECT_EQ(stored->webhook().state(), kRetrying);
  EXPECT_EQ(stored->webhook().last_error(), "HTTP 500");
  EXPECT_EQ(stored->webhook().attempts(), 2);
  EXPECT_EQ(FromTimestamp(stored->webhook().next_attempt()), state.next_attempt);
  EXPECT_EQ(FromTimestamp(stored->failing_since()), state.failing_since);
  ASSERT_TRUE(*store_->RecordDelivery("acme", added.webhook.id(), 0, DeliveryState{}));
  stored = store_->Get("acme", added.webhook.id());
  EXPECT_FALSE(stored->webhook().has_next_attempt());
  EXPECT_FALSE(stored->has_failing_since());
  EXPECT_EQ(stored->webhook().state(), kHealthy);
}

TEST_P(WebhookStoreTest, WithoutAKekSecretsAreStoredAsIsAndStillWork) {
  WebhookStore plain(kv_.get(), &feed_, &guard_, Runtime{&clock_, &random_});
  auto added = plain.Add(Request("acme"));
  ASSERT_TRUE(added.ok());
  auto stored = plain.Get("acme", added->webhook.id());
  EXPECT_EQ(*plain.SigningSecrets(*stored), std::vector<std::string>{added->secret});
  // A store with the KEK reads it too (stored before a KEK was configured).
  EXPECT_EQ(*store_->SigningSecrets(*stored), std::vector<std::string>{added->secret});
}

INSTANTIATE_TEST_SUITE_P(AllStores, WebhookStoreTest, AllKvStores(), KvStoreName);

}  // namespace
}  // namespace scim::webhooks
