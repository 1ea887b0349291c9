package dev.redrain.issuance.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redrain.core.catalog.AmountRule;
import dev.redrain.core.catalog.Template;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BudgetSharesTest {

    @ParameterizedTest
    @CsvSource({"1000, 8", "1001, 8", "7, 8", "1, 1", "999999937, 1024"})
    void uniformSharesAddUpToTheBudget(long budget, int shards) {
        long[] shares = BudgetShares.shares(template(AmountRule.UNIFORM, 0, 0, budget, shards));
        assertThat(Arrays.stream(shares).sum()).isEqualTo(budget);
        assertThat(Arrays.stream(shares).max().getAsLong()
                - Arrays.stream(shares).min().getAsLong()).isLessThanOrEqualTo(1);
    }

    @Test
    void fixedSharesAreWholeAwards() {
        long[] shares = BudgetShares.shares(template(AmountRule.FIXED, 88, 0, 88 * 1_001, 8));
        assertThat(Arrays.stream(shares).sum()).isEqualTo(88 * 1_001);
        assertThat(Arrays.stream(shares).boxed().toList()).allSatisfy(share ->
                assertThat(share % 88).isZero());
        assertThatThrownBy(() -> BudgetShares.shares(template(AmountRule.FIXED, 88, 0, 1_000, 8)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("multiple");
    }

    @Test
    void aPoolSplitsTheBudgetExactlyIntoPositivePacketsTheSameWayEveryTime() {
        Template pool = template(AmountRule.POOL, 0, 500, 2_026, 3);
        List<List<Long>> pools = BudgetShares.pools(pool);
        List<Long> packets = pools.stream().flatMap(List::stream).toList();
        assertThat(packets).hasSize(500).allSatisfy(packet -> assertThat(packet).isPositive());
        assertThat(packets.stream().mapToLong(Long::longValue).sum()).isEqualTo(2_026);
        assertThat(BudgetShares.pools(pool)).isEqualTo(pools);
        assertThat(Arrays.stream(BudgetShares.shares(pool)).sum()).isEqualTo(2_026);
        assertThatThrownBy(() -> BudgetShares.pools(template(AmountRule.POOL, 0, 10, 9, 1)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theRemainingPoolHoldsExactlyThePacketsNotGranted() {
        Template pool = template(AmountRule.POOL, 0, 40, 1_000, 4);
        List<Long> all = BudgetShares.pools(pool).stream().flatMap(List::stream).toList();
        List<Long> granted = new ArrayList<>(all.subList(0, 15));
        List<Long> left = BudgetShares.remainingPools(pool, granted).stream()
                .flatMap(List::stream).toList();
        assertThat(left).hasSize(25);
        assertThat(left.stream().mapToLong(Long::longValue).sum()
                + granted.stream().mapToLong(Long::longValue).sum()).isEqualTo(1_000);
    }

    @Test
    void spreadingWhatIsLeftKeepsWholeAwards() {
        Template fixed = template(AmountRule.FIXED, 10, 0, 300, 3);
        long[] left = BudgetShares.spread(fixed, 180);
        assertThat(Arrays.stream(left).sum()).isEqualTo(180);
        assertThat(Arrays.stream(left).boxed().toList()).allSatisfy(share ->
                assertThat(share % 10).isZero());
    }

    @Test
    void whatIsLeftOfALostShardGoesToTheMissingShardsInWholeAwards() {
        Template fixed = template(AmountRule.FIXED, 10, 0, 300, 4);
        long[] over = BudgetShares.spreadOver(fixed, 70, 2);
        assertThat(over).containsExactly(40, 30);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BudgetShares.spreadOver(fixed,
                75, 2)).isInstanceOf(IllegalStateException.class);
        List<List<Long>> dealt = BudgetShares.dealOver(List.of(5L, 6L, 7L), 4, List.of(1, 3));
        assertThat(dealt).containsExactly(List.of(), List.of(5L, 7L), List.of(), List.of(6L));
    }

    private static Template template(AmountRule rule, long fixed, int packets, long budget,
            int shards) {
        return new Template("t-1", "a-1", "CASH", "CNY", rule, fixed, 1, 100, packets, budget,
                shards, List.of(50, 80, 95, 100), null, true,
                dev.redrain.core.catalog.UserCaps.NONE, 0);
    }
}
