package dev.redrain.core.money;

import java.math.BigDecimal;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Currency;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An amount of one asset in its minor unit (fen for CNY; one point, one coupon, one card for
 * non-cash assets). Immutable; arithmetic that would overflow a {@code long} throws instead of
 * wrapping, and arithmetic across currencies is refused.
 *
 * <p>The currency is an asset code, not only an ISO 4217 code: rewards are multi-asset (cash,
 * coupons, points, collectible cards), and adding an asset is a row in the {@code asset} table,
 * never a code change.
 */
public record Money(long amountMinor, String currency) {
    private static final Pattern CURRENCY_CODE = Pattern.compile("[A-Z][A-Z0-9_]{1,15}");
    private static final Pattern MAJOR = Pattern.compile("-?[0-9]{1,19}(\\.[0-9]{1,18})?");

    public Money {
        requireCurrency(currency);
    }

    public static Money of(long amountMinor, String currency) {
        return new Money(amountMinor, currency);
    }

    public static Money zero(String currency) {
        return new Money(0, currency);
    }

    /** True when {@code code} is a well-formed asset code: 2-16 of A-Z, 0-9, _ (letter first). */
    public static boolean isCurrencyCode(String code) {
        return code != null && CURRENCY_CODE.matcher(code).matches();
    }

    public static String requireCurrency(String code) {
        if (!isCurrencyCode(code)) {
            throw new IllegalArgumentException("not an asset code: '" + code
                    + "' (2-16 characters of A-Z, 0-9 and _, starting with a letter)");
        }
        return code;
    }

    public Money plus(Money other) {
        requireSameCurrency(other);
        return new Money(Math.addExact(amountMinor, other.amountMinor), currency);
    }

    public Money minus(Money other) {
        requireSameCurrency(other);
        return new Money(Math.subtractExact(amountMinor, other.amountMinor), currency);
    }

    public Money negate() {
        return new Money(Math.negateExact(amountMinor), currency);
    }

    public Money times(long factor) {
        return new Money(Math.multiplyExact(amountMinor, factor), currency);
    }

    public boolean isPositive() {
        return amountMinor > 0;
    }

    public boolean isNegative() {
        return amountMinor < 0;
    }

    public int compareTo(Money other) {
        requireSameCurrency(other);
        return Long.compare(amountMinor, other.amountMinor);
    }

    private void requireSameCurrency(Money other) {
        Objects.requireNonNull(other, "other");
        if (!currency.equals(other.currency)) {
            throw new CurrencyMismatchException(currency, other.currency);
        }
    }

    /**
     * The amount as people read it: major units with thousands separators and the currency's
     * own decimals, then the code ({@code 12,965.69 CNY}, {@code -0.05 CNY}). A code that is
     * not an ISO 4217 currency (points, coins) has no minor unit: {@code 1,200 POINTS}.
     */
    public String display() {
        int digits = fractionDigits(currency);
        BigDecimal major = BigDecimal.valueOf(amountMinor, digits);
        DecimalFormat format = new DecimalFormat(digits == 0 ? "#,##0"
                : "#,##0." + "0".repeat(digits), DecimalFormatSymbols.getInstance(Locale.ROOT));
        return format.format(major) + " " + currency;
    }

    /**
     * Reads an amount written in major units ({@code 12965.69} CNY, {@code 1200} POINTS), as
     * channels' bills write them: digits, optionally a minus, and at most the currency's own
     * decimals. No separators, no exponent, no rounding: {@code 8.888} CNY is refused, never
     * turned into 8.89.
     *
     * @throws IllegalArgumentException when the text is not such an amount
     */
    public static Money parseMajor(String text, String currency) {
        requireCurrency(currency);
        int digits = fractionDigits(currency);
        if (text == null || !MAJOR.matcher(text).matches()) {
            throw new IllegalArgumentException("not an amount in major units: '" + text + "'");
        }
        BigDecimal major = new BigDecimal(text);
        if (major.scale() > digits) {
            throw new IllegalArgumentException("'" + text + "' has more decimals than "
                    + currency + " has (" + digits + ")");
        }
        try {
            return new Money(major.movePointRight(digits).longValueExact(), currency);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too large", e);
        }
    }

    private static int fractionDigits(String currency) {
        try {
            return Math.max(0, Currency.getInstance(currency).getDefaultFractionDigits());
        } catch (IllegalArgumentException notIso) {
            return 0;
        }
    }

    @Override
    public String toString() {
        return amountMinor + " " + currency;
    }
}
