// EPUBCheck for the tests, in one JVM: reads an EPUB's path a line, answers with what the
// command line would print for it, then a line "\0END <exit status>". Run from its source
// (java -cp epubcheck.jar EpubCheckServer.java): EPUBCheck's schemas load, and its code is
// compiled, once for all the EPUBs a test worker checks.
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

public class EpubCheckServer {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(
            new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
        String path;
        while ((path = in.readLine()) != null) {
            ByteArrayOutputStream report = new ByteArrayOutputStream();
            PrintStream capture = new PrintStream(report, true, "UTF-8");
            PrintStream stdout = System.out;
            PrintStream stderr = System.err;
            System.setOut(capture);
            System.setErr(capture);
            int status;
            try {
                status = new com.adobe.epubcheck.tool.EpubChecker().run(new String[] {path});
            } finally {
                System.setOut(stdout);
                System.setErr(stderr);
            }
            out.print(report.toString("UTF-8"));
            out.println("\u0000END " + status);
        }
    }
}
