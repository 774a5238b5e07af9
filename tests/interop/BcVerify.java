// Independent check of zhengku's certificates and CRLs with BouncyCastle (Debian
// libbcprov-java), which verifies SM2-with-SM3 signatures with the GM/T 0009 default ID —
// including self-signed SM2 roots and SM2 CRLs, which the OpenSSL 3.0 CLI cannot check.
//
//   java -cp /usr/share/java/bcprov.jar tests/interop/BcVerify.java ROOT ISSUING LEAF [CRL...]
//
// ROOT is checked against its own key, ISSUING against ROOT, LEAF against ISSUING, and each
// CRL against ISSUING. Prints one line per check; exit 0 only if every check passes.
import java.io.FileInputStream;
import java.security.PublicKey;
import java.security.Security;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

public class BcVerify {
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: BcVerify ROOT ISSUING LEAF [CRL...]");
            System.exit(2);
        }
        Security.addProvider(new BouncyCastleProvider());
        CertificateFactory cf = CertificateFactory.getInstance("X.509", "BC");
        X509Certificate root = cert(cf, args[0]);
        X509Certificate issuing = cert(cf, args[1]);
        X509Certificate leaf = cert(cf, args[2]);
        boolean ok = true;
        ok &= check("root self-signature (" + root.getSigAlgName() + ")", root, root.getPublicKey());
        ok &= check("issuing CA signed by root", issuing, root.getPublicKey());
        ok &= check("leaf signed by issuing CA", leaf, issuing.getPublicKey());
        for (int i = 3; i < args.length; i++) {
            X509CRL crl;
            try (FileInputStream in = new FileInputStream(args[i])) {
                crl = (X509CRL) cf.generateCRL(in);
            }
            try {
                crl.verify(issuing.getPublicKey(), "BC");
                System.out.println("OK   CRL " + args[i] + " signed by issuing CA, "
                        + (crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size())
                        + " revoked; leaf revoked: " + crl.isRevoked(leaf));
            } catch (Exception e) {
                System.out.println("FAIL CRL " + args[i] + ": " + e);
                ok = false;
            }
        }
        System.exit(ok ? 0 : 1);
    }

    static X509Certificate cert(CertificateFactory cf, String path) throws Exception {
        try (FileInputStream in = new FileInputStream(path)) {
            return (X509Certificate) cf.generateCertificate(in);
        }
    }

    static boolean check(String what, X509Certificate c, PublicKey key) {
        try {
            c.verify(key, "BC");
            System.out.println("OK   " + what);
            return true;
        } catch (Exception e) {
            System.out.println("FAIL " + what + ": " + e);
            return false;
        }
    }
}
