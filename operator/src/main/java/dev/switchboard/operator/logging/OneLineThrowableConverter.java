package dev.switchboard.operator.logging;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;

/**
 * {@code %ex} whose exception messages (the throwable's, its causes' and suppressed ones') have
 * their line ends escaped ({@link OneLine}): the stack trace keeps one frame per line, each
 * starting with a tab or {@code Caused by:}, and no message can add a line that looks like a log
 * event of its own.
 */
public final class OneLineThrowableConverter extends ThrowableProxyConverter {

  @Override
  protected String throwableProxyToString(IThrowableProxy proxy) {
    return super.throwableProxyToString(EscapedMessages.of(proxy));
  }

  /** A throwable proxy that answers its message, and its causes' messages, escaped. */
  private record EscapedMessages(IThrowableProxy proxy) implements IThrowableProxy {

    static IThrowableProxy of(IThrowableProxy proxy) {
      return proxy == null ? null : new EscapedMessages(proxy);
    }

    @Override
    public String getMessage() {
      return OneLine.escape(proxy.getMessage());
    }

    @Override
    public String getClassName() {
      return proxy.getClassName();
    }

    @Override
    public StackTraceElementProxy[] getStackTraceElementProxyArray() {
      return proxy.getStackTraceElementProxyArray();
    }

    @Override
    public int getCommonFrames() {
      return proxy.getCommonFrames();
    }

    @Override
    public IThrowableProxy getCause() {
      return of(proxy.getCause());
    }

    @Override
    public IThrowableProxy[] getSuppressed() {
      IThrowableProxy[] suppressed = proxy.getSuppressed();
      if (suppressed == null) {
        return null;
      }
      IThrowableProxy[] escaped = new IThrowableProxy[suppressed.length];
      for (int i = 0; i < suppressed.length; i++) {
        escaped[i] = of(suppressed[i]);
      }
      return escaped;
    }

    @Override
    public boolean isCyclic() {
      return proxy.isCyclic();
    }
  }
}
