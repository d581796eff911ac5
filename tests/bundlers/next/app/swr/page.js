import SwrFixture from "./swr-fixture";

export default function Page() {
  return <SwrFixture />;
}
