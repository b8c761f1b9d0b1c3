import org.ofdrw.reader.ContentExtractor;
import org.ofdrw.reader.OFDReader;
import org.ofdrw.sign.verify.OFDValidator;
import org.ofdrw.sign.verify.container.SESV4ValidateContainer;
import java.nio.file.Paths;

// Runs ofdrw's OFDValidator (integrity of every Reference, seal match,
// SES_Signature v4: dataHash over Signature.xml and the SM2 signature) on
// each OFD file given; prints OK or the exception per file. With "-text"
// first, prints instead the text ofdrw's ContentExtractor reads from every
// page, one "TEXT page: text" line per text object.
public class VerifyOFD {
    public static void main(String[] args) throws Exception {
        if (args.length > 1 && args[0].equals("-text")) {
            try (OFDReader reader = new OFDReader(Paths.get(args[1]))) {
                ContentExtractor ex = new ContentExtractor(reader);
                for (int p = 1; p <= reader.getNumberOfPages(); p++) {
                    for (String t : ex.getPageContent(p)) {
                        System.out.println("TEXT " + p + ": " + t);
                    }
                }
            }
            return;
        }
        int bad = 0;
        for (String f : args) {
            try (OFDReader reader = new OFDReader(Paths.get(f));
                 OFDValidator validator = new OFDValidator(reader)) {
                validator.setValidator(new SESV4ValidateContainer());
                validator.exeValidate();
                System.out.println("OK " + f);
            } catch (Exception e) {
                bad++;
                System.out.println("FAIL " + f + ": " + e);
            }
        }
        System.exit(bad == 0 ? 0 : 1);
    }
}
