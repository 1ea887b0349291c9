package dev.redrain.core.money;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MoneyTest {
    @Test
    void addsAndSubtractsInMinorUnits() {
        Money sum = Money.of(1_999, "CNY").plus(Money.of(1, "CNY"));
        assertThat(sum).isEqualTo(Money.of(2_000, "CNY"));
        assertThat(sum.minus(Money.of(2_500, "CNY"))).isEqualTo(Money.of(-500, "CNY"));
        assertThat(Money.of(7, "PTS").times(3)).isEqualTo(Money.of(21, "PTS"));
    }

    @Test
    void overflowThrowsInsteadOfWrapping() {
        Money max = Money.of(Long.MAX_VALUE, "CNY");
        assertThatThrownBy(() -> max.plus(Money.of(1, "CNY"))).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> Money.of(Long.MIN_VALUE, "CNY").negate())
                .isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> max.times(2)).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> Money.of(Long.MIN_VALUE, "CNY").minus(Money.of(1, "CNY")))
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void refusesToMixCurrencies() {
        assertThatThrownBy(() -> Money.of(1, "CNY").plus(Money.of(1, "PTS")))
                .isInstanceOf(CurrencyMismatchException.class);
        assertThatThrownBy(() -> Money.of(1, "CNY").compareTo(Money.of(1, "CPN")))
                .isInstanceOf(CurrencyMismatchException.class);
    }

    @Test
    void everyAmountHasAWellFormedCurrency() {
        assertThatThrownBy(() -> Money.of(1, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Money.of(1, "cny")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Money.of(1, "C")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Money.of(1, "CNY; DROP")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Money.isCurrencyCode("COUPON_GOLD")).isTrue();
    }

    @Test
    void displaysMajorUnitsWithSeparatorsAndTheCurrencysDecimals() {
        assertThat(Money.of(1_296_569, "CNY").display()).isEqualTo("12,965.69 CNY");
        assertThat(Money.of(-5, "CNY").display()).isEqualTo("-0.05 CNY");
        assertThat(Money.of(0, "CNY").display()).isEqualTo("0.00 CNY");
        assertThat(Money.of(123_456_789, "JPY").display()).isEqualTo("123,456,789 JPY");
        assertThat(Money.of(1_200, "POINTS").display()).isEqualTo("1,200 POINTS");
    }

    @Test
    void readsMajorUnitsExactlyAndRefusesWhatWouldRound() {
        assertThat(Money.parseMajor("12965.69", "CNY")).isEqualTo(Money.of(1_296_569, "CNY"));
        assertThat(Money.parseMajor("8.8", "CNY")).isEqualTo(Money.of(880, "CNY"));
        assertThat(Money.parseMajor("0", "CNY")).isEqualTo(Money.of(0, "CNY"));
        assertThat(Money.parseMajor("-0.05", "CNY")).isEqualTo(Money.of(-5, "CNY"));
        assertThat(Money.parseMajor("1200", "POINTS")).isEqualTo(Money.of(1_200, "POINTS"));
        assertThat(Money.parseMajor("5", "JPY")).isEqualTo(Money.of(5, "JPY"));
        assertThatThrownBy(() -> Money.parseMajor("8.888", "CNY"))
                .hasMessageContaining("more decimals than CNY has (2)");
        assertThatThrownBy(() -> Money.parseMajor("1.5", "POINTS"))
                .hasMessageContaining("more decimals");
        for (String bad : new String[] {"", "1,000.00", "1e3", "+5", " 5", "5.", ".5", "NaN",
            "99999999999999999999"}) {
            assertThatThrownBy(() -> Money.parseMajor(bad, "CNY"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> Money.parseMajor(null, "CNY"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
