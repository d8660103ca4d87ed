package dev.r1j.distill.nightly;

import dev.r1j.common.BadInputException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * The name of a night: its UTC date, {@code YYYY-MM-DD}. A night's files live under
 * {@code WORKDIR/nights/<id>/}; the id also derives the seed of the night's trace problems.
 *
 * @param date the night's date
 */
public record NightId(LocalDate date) implements Comparable<NightId> {

    public NightId {
        if (date == null) {
            throw new BadInputException("a night needs a date");
        }
    }

    /** Today's UTC date. */
    public static NightId today() {
        return new NightId(LocalDate.now(ZoneOffset.UTC));
    }

    /**
     * Parses {@code YYYY-MM-DD}.
     *
     * @throws BadInputException when {@code text} is not a calendar date in that form
     */
    public static NightId parse(String text) {
        if (text == null || !text.matches("\\d{4}-\\d{2}-\\d{2}")) {
            throw new BadInputException("night '" + text + "' must be a date YYYY-MM-DD");
        }
        try {
            return new NightId(LocalDate.parse(text));
        } catch (DateTimeParseException e) {
            throw new BadInputException("night '" + text + "' is not a calendar date");
        }
    }

    /** {@code YYYYMMDD} as a number: the trace seed of a night whose configuration sets none. */
    public long dateSeed() {
        return date.getYear() * 10_000L + date.getMonthValue() * 100L + date.getDayOfMonth();
    }

    @Override
    public int compareTo(NightId o) {
        return date.compareTo(o.date);
    }

    @Override
    public String toString() {
        return date.toString();
    }
}
